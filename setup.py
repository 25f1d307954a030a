"""Packages of the wheel: every perfanalysis subpackage, plus notebooks/ and expectations/.

The two top-level folders are mapped into the package in pyproject.toml (`package-dir`); the
rest of the configuration is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["perfanalysis", "perfanalysis.*"]),
        "perfanalysis.notebooks",
        "perfanalysis.expectations",
    ]
)
