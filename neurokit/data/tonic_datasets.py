"""Tonic's datasets by name, loaded with tonic's own classes, never downloaded.

neurokit checks for the extracted files first and raises :class:`DataNotFoundError` naming them
and where they go; it then builds tonic's dataset with the download check answered from the
files that are there (tonic's own check wants a complete copy, e.g. 10,000 N-MNIST files, and
would otherwise try to download).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neurokit.errors import DataNotFoundError, InvalidInputError


@dataclass(frozen=True)
class TonicLayout:
    """Where tonic expects a dataset's files below ``data_dir``."""

    class_name: str
    train_files: tuple[str, ...]
    test_files: tuple[str, ...]
    how_to_get: str


LAYOUTS: dict[str, TonicLayout] = {
    "nmnist": TonicLayout("NMNIST", ("NMNIST/Train/<digit>/*.bin",), ("NMNIST/Test/<digit>/*.bin",),
                          "download Train.zip/Test.zip from the N-MNIST page (Orchard et al. 2015) and extract them "
                          "into DATA_DIR/NMNIST/ (folders Train/0..9 and Test/0..9 of .bin files)"),
    "shd": TonicLayout("SHD", ("SHD/shd_train.h5",), ("SHD/shd_test.h5",),
                       "download shd_train.h5.gz and shd_test.h5.gz from the Heidelberg spiking datasets page "
                       "(Cramer et al. 2020), gunzip them into DATA_DIR/SHD/"),
    "ssc": TonicLayout("SSC", ("SSC/ssc_train.h5",), ("SSC/ssc_test.h5",),
                       "download ssc_train.h5.gz / ssc_valid.h5.gz / ssc_test.h5.gz (Cramer et al. 2020), gunzip "
                       "them into DATA_DIR/SSC/"),
    "dvsgesture": TonicLayout("DVSGesture", ("DVSGesture/ibmGestureTrain/<user>/*.npy",),
                              ("DVSGesture/ibmGestureTest/<user>/*.npy",),
                              "download tonic's preprocessed ibmGestureTrain.tar.gz / ibmGestureTest.tar.gz and "
                              "extract them into DATA_DIR/DVSGesture/"),
}


def _present(data_dir: Path, pattern: str) -> bool:
    glob = pattern.replace("<digit>", "*").replace("<user>", "*")
    return any(data_dir.glob(glob))


def _no_download(cls: type, has_files: Callable[[Any], bool]) -> type:
    """A subclass of a tonic dataset whose existence check looks at the files that are there."""
    # same class name: tonic puts files under save_to/<class name>
    return type(cls.__name__, (cls,), {"_check_exists": has_files, "download": _refuse_download})


def _refuse_download(self: Any) -> None:
    raise DataNotFoundError(f"{type(self).__name__} files are incomplete in {self.location_on_system!r}",
                            fix="put the extracted files there; neurokit never downloads")


def load_tonic(name: str, data_dir: str | Path, *, train: bool = True, transform: Any = None,
               target_transform: Any = None, **kwargs: Any) -> Any:
    """Tonic's dataset ``name`` (``nmnist``, ``shd``, ``ssc``, ``dvsgesture`` or a tonic class name)."""
    import tonic.datasets

    data_dir = Path(data_dir)
    key = name.lower()
    layout = LAYOUTS.get(key)
    class_name = layout.class_name if layout else name
    cls = getattr(tonic.datasets, class_name, None)
    if cls is None or not isinstance(cls, type):
        raise InvalidInputError(f"unknown dataset {name!r}",
                                fix=f"use event-digits, digits, {', '.join(LAYOUTS)} or a tonic dataset class name")
    if layout is not None:
        patterns = layout.train_files if train else layout.test_files
        missing = [p for p in patterns if not _present(data_dir, p)]
        if missing:
            raise DataNotFoundError(f"{name} {'train' if train else 'test'} files not found: expected "
                                    f"{', '.join(str(data_dir / p) for p in missing)}",
                                    fix=f"{layout.how_to_get} (no network here: neurokit never downloads)")
    if not data_dir.is_dir():
        raise DataNotFoundError(f"data directory {str(data_dir)!r} does not exist",
                                fix="create it and put the dataset's extracted files inside")
    local = _no_download(cls, lambda self: True)
    split_kw: dict[str, Any] = {"train": train} if key != "ssc" else {"split": "train" if train else "test"}
    return local(save_to=str(data_dir), transform=transform, target_transform=target_transform, **split_kw, **kwargs)
