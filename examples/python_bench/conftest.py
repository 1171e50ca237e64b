# The bench's setup: comframe's pytest plugin (docs/python.md), one line:
pytest_plugins = ["comframe.pytest_plugin"]

# Where the package is not installed (cmake --install) nor on PYTHONPATH, use the one built in
# this clone: build-python/ (scripts/test.sh, scripts/build.sh --python) or build/ (scripts/build.sh).
import importlib.util
import os
import sys

if importlib.util.find_spec("comframe") is None:
    _repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for _build in ("build-python", "build"):
        _package = os.path.join(_repo, _build, "python")
        if os.path.isfile(os.path.join(_package, "comframe", "__init__.py")):
            sys.path.insert(0, _package)
            break
