"""``spoken-digits``: the digits 0–9 spoken in English and German (20 classes, as SHD), synthesised
offline with eSpeak NG (:mod:`neurokit.data.espeak`), many speakers, passed through a cochlear
front end (:mod:`neurokit.data.cochlea`) into 700 channels, written in the exact layout of the
Spiking Heidelberg Digits HDF5 files::

    spikes/times        vlen float16, seconds       spikes/units   vlen uint16, channel 0..699
    labels              uint16, 0..9 English, 10..19 German
    extra/speaker       uint16, speaker of each sample
    extra/keys          bytes, the 20 class names
    extra/meta_info/{gender, age, body_height}   one entry per speaker

into ``<root>/spoken-digits-<key>/SHD/shd_{train,test}.h5`` so that ``tonic.datasets.SHD`` and
neurokit's ``shd`` loader read them unchanged. Train and test speakers are disjoint. Built once per
(seed, configuration) in a fresh process (eSpeak's output depends on what the process said
before), so the same seed gives byte-identical files.

A speaker is an eSpeak voice variant with its own pitch, pitch range, speaking rate and noise
level; each of its repetitions jitters rate and pitch, shifts the onset and draws new noise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.errors import DataNotFoundError

from .cochlea import CochleaConfig, compressed_envelope, encode
from .espeak import Synthesizer, Voice

FORMAT_VERSION = 2  # 2: spike times stored as float16, as in the SHD files (1: float32)
ENGLISH = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
GERMAN = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
#: class names as in ``extra/keys`` (label k: ENGLISH[k] for k < 10, GERMAN[k - 10] otherwise)
KEYS = tuple(f"english-{w}" for w in ENGLISH) + tuple(f"german-{w}" for w in ("null", "eins", "zwei", "drei", "vier",
                                                                               "fuenf", "sechs", "sieben", "acht",
                                                                               "neun"))
#: eSpeak voice variants (espeak-ng-data/voices/!v) used as speakers, with their apparent gender
VARIANTS: dict[str, str] = {
    **{f"m{i}": "male" for i in range(1, 9)}, **{f"f{i}": "female" for i in range(1, 6)},
    **{f"klatt{i}": "male" for i in ("", "2", "3", "4", "5", "6")},
    "adam": "male", "alicia": "female", "andrea": "female", "andy": "male", "annie": "female", "anika": "female",
    "belinda": "female", "benjamin": "male", "boris": "male", "caleb": "male", "david": "male", "ed": "male",
    "edward": "male", "grandma": "female", "grandpa": "male", "iven": "male", "john": "male", "linda": "female",
    "max": "male", "michel": "male", "norbert": "male", "paul": "male", "quincy": "male", "rob": "male",
    "robert": "male", "shelby": "female", "steph": "female", "travis": "male", "aunty": "female", "gustave": "male",
}


@dataclass(frozen=True)
class SpokenDigitsConfig:
    """Size and variability of the build (defaults: 48 train + 12 test speakers, 2 repetitions of
    each of the 20 words: 1,920 train / 480 test samples of at most 1 s)."""

    train_speakers: int = 48
    test_speakers: int = 12
    repetitions: int = 2
    duration: float = 1.0
    rate_wpm: tuple[float, float] = (120.0, 230.0)
    pitch: tuple[float, float] = (15.0, 85.0)
    pitch_range: tuple[float, float] = (20.0, 90.0)
    snr_db: tuple[float, float] = (8.0, 30.0)
    onset: tuple[float, float] = (0.0, 0.15)
    jitter_rate: float = 0.08
    jitter_pitch: float = 6.0
    cochlea: CochleaConfig = field(default_factory=CochleaConfig)


@dataclass(frozen=True)
class Speaker:
    variant: str
    rate: float
    pitch: float
    pitch_range: float
    snr_db: float


def _speakers(n: int, cfg: SpokenDigitsConfig, rng: np.random.Generator) -> list[Speaker]:
    names = sorted(VARIANTS)
    u = lambda lo_hi: float(rng.uniform(*lo_hi))  # noqa: E731
    return [Speaker(names[int(rng.integers(len(names)))], u(cfg.rate_wpm), u(cfg.pitch), u(cfg.pitch_range),
                    u(cfg.snr_db)) for _ in range(n)]


def _utterance(synth: Synthesizer, label: int, spk: Speaker, cfg: SpokenDigitsConfig,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Spikes ``(times, units)`` of one utterance of class ``label`` by ``spk``."""
    from scipy.signal import resample_poly

    language, word = ("en", ENGLISH[label]) if label < 10 else ("de", GERMAN[label - 10])
    rate = spk.rate * (1.0 + cfg.jitter_rate * rng.uniform(-1, 1))
    pitch = spk.pitch + cfg.jitter_pitch * rng.uniform(-1, 1)
    voice = Voice(language, spk.variant, int(np.clip(rate, 80, 450)), int(np.clip(pitch, 0, 99)),
                  int(np.clip(spk.pitch_range, 0, 99)))
    wav = synth.say(word, voice).astype(np.float64) / 32768.0
    fs = cfg.cochlea.sample_rate
    g = np.gcd(fs, synth.sample_rate)
    sound = resample_poly(wav, fs // g, synth.sample_rate // g)
    sound = np.trim_zeros(sound * (np.abs(sound) > 1e-4)) if np.any(np.abs(sound) > 1e-4) else sound
    total = int(cfg.duration * fs)
    start = int(rng.uniform(*cfg.onset) * fs)
    out = np.zeros(total)
    piece = sound[:max(0, total - start)]
    out[start:start + len(piece)] = piece
    signal_power = float(np.mean(piece ** 2)) if len(piece) else 1e-6
    out += rng.normal(0.0, np.sqrt(signal_power / 10 ** (spk.snr_db / 10)), total)
    times, units = encode(compressed_envelope(out, cfg.cochlea), cfg.cochlea, rng)
    stored = times.astype(np.float16)  # SHD's precision: 0.5 ms steps just below 1 s
    keep = stored < cfg.duration
    return stored[keep], units[keep].astype(np.uint16)


def _write_split(path: Path, samples: list[tuple[np.ndarray, np.ndarray]], labels: list[int], speakers: list[int],
                 speaker_table: list[Speaker]) -> None:
    import h5py

    times = np.empty(len(samples), dtype=object)
    units = np.empty(len(samples), dtype=object)
    for i, (t, u) in enumerate(samples):
        times[i], units[i] = t, u
    with h5py.File(path, "w", track_order=False) as f:
        f.create_dataset("spikes/times", data=times, dtype=h5py.vlen_dtype(np.float16))
        f.create_dataset("spikes/units", data=units, dtype=h5py.vlen_dtype(np.uint16))
        f.create_dataset("labels", data=np.asarray(labels, dtype=np.uint16))
        f.create_dataset("extra/speaker", data=np.asarray(speakers, dtype=np.uint16))
        f.create_dataset("extra/keys", data=np.asarray([k.encode() for k in KEYS]))
        f.create_dataset("extra/meta_info/gender", data=np.asarray([VARIANTS[s.variant].encode() for s in speaker_table]))
        f.create_dataset("extra/meta_info/age", data=np.zeros(len(speaker_table), dtype=np.uint16))  # not applicable
        f.create_dataset("extra/meta_info/body_height", data=np.zeros(len(speaker_table), dtype=np.float64))


def build(out_dir: Path, *, seed: int, cfg: SpokenDigitsConfig) -> None:
    """Synthesise and encode every sample and write ``out_dir/SHD/shd_{train,test}.h5``.

    Run it in a fresh process (:func:`spoken_digits_dir` does) for byte-identical files."""
    rng = np.random.default_rng(seed)
    table = _speakers(cfg.train_speakers + cfg.test_speakers, cfg, rng)
    synth = Synthesizer()
    (out_dir / "SHD").mkdir(parents=True, exist_ok=True)
    for split, ids in (("train", range(cfg.train_speakers)), ("test", range(cfg.train_speakers, len(table)))):
        samples, labels, speakers = [], [], []
        for s in ids:
            for _ in range(cfg.repetitions):
                for label in range(len(KEYS)):
                    samples.append(_utterance(synth, label, table[s], cfg, rng))
                    labels.append(label)
                    speakers.append(s)
        _write_split(out_dir / "SHD" / f"shd_{split}.h5", samples, labels, speakers, table)
    (out_dir / "build.json").write_text(json.dumps({"seed": seed, "config": _config_dict(cfg),
                                                    "format_version": FORMAT_VERSION}, indent=1) + "\n")


def _config_dict(cfg: SpokenDigitsConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def _config_from_dict(d: dict[str, Any]) -> SpokenDigitsConfig:
    d = dict(d)
    d["cochlea"] = CochleaConfig(**d["cochlea"])
    return SpokenDigitsConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def cache_key(seed: int, cfg: SpokenDigitsConfig) -> str:
    blob = json.dumps({"seed": seed, "cfg": _config_dict(cfg), "v": FORMAT_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def spoken_digits_dir(*, seed: int = 0, cfg: SpokenDigitsConfig = SpokenDigitsConfig(),
                      root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``SHD/shd_{train,test}.h5`` (give it to ``tonic.datasets.SHD(save_to=...)``),
    building it first (in a fresh process, then renamed into place) if needed."""
    from .embedded import cache_dir

    final = Path(root) if root is not None else cache_dir()
    final = final / f"spoken-digits-{cache_key(seed, cfg)}"
    if (final / "build.json").is_file():
        return final
    import importlib.util

    if importlib.util.find_spec("espeakng_loader") is None:
        raise DataNotFoundError("building spoken-digits needs the espeakng-loader package (eSpeak NG library and "
                                "voices), which is not installed", fix="pip install espeakng-loader")
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [sys.executable, "-m", "neurokit.data.spoken_digits", str(tmp), str(seed), json.dumps(_config_dict(cfg))]
    package_root = str(Path(__file__).resolve().parents[2])  # this neurokit, whatever the child's cwd
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path})
    if done.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise DataNotFoundError(f"building spoken-digits failed: {last}",
                                fix="reinstall espeakng-loader (pip install --force-reinstall espeakng-loader)")
    try:
        os.replace(tmp, final)
    except OSError:  # another process finished the same build first
        shutil.rmtree(tmp, ignore_errors=True)
    return final


if __name__ == "__main__":  # the build process: OUT_DIR SEED CONFIG_JSON
    build(Path(sys.argv[1]), seed=int(sys.argv[2]), cfg=_config_from_dict(json.loads(sys.argv[3])))
