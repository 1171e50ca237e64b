"""The Python package's tests: run by ctest (python_tests) with the build's python/ folder on PYTHONPATH."""

import os

import pytest

import comframe

# pytest processes that the plugin's tests start import the same package, wherever they run.
_package_root = os.path.dirname(os.path.dirname(os.path.abspath(comframe.__file__)))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != _package_root])

# The plugin's own tests drive pytest in pytest (pytester).
pytest_plugins = ["pytester"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
THERMO_PROFILE = os.path.join(REPO, "devices", "profiles", "thermo.json")


@pytest.fixture
def thermo_profile_path():
    return THERMO_PROFILE
