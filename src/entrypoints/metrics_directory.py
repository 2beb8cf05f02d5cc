"""Where the worker processes of ``emporium serve`` keep their metrics: a directory made
fresh before they start, named by ``PROMETHEUS_MULTIPROC_DIR``, which prometheus-client
reads when it is imported (so this module must not import it)."""

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
_MADE = "emporium-metrics-"


def prepare() -> Path:
    """The directory (the one named, or a new temporary one), emptied: values of an
    earlier run would be summed in."""
    named = os.environ.get(MULTIPROCESS_DIRECTORY)
    directory = Path(named) if named else Path(tempfile.mkdtemp(prefix=_MADE))
    directory.mkdir(parents=True, exist_ok=True)
    for file in directory.glob("*.db"):
        file.unlink()
    os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
    return directory


def forget(directory: Path) -> None:
    if directory.name.startswith(_MADE):  # made by prepare()
        shutil.rmtree(directory, ignore_errors=True)
