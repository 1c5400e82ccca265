"""eSpeak NG speech synthesis through ctypes, offline (the ``espeakng-loader`` wheel bundles
``libespeak-ng`` and its voice data).

One synthesiser per process (the library keeps global state). Its output depends on what the
process synthesised before (the pitch-flutter phase carries over between utterances, and
neither ``espeak_ng_SetRandSeed`` nor re-initialising resets it), so a reproducible build runs a
fixed sequence of utterances in a fresh process (:mod:`neurokit.data.spoken_digits` does).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from neurokit.errors import DataNotFoundError, InvalidInputError

#: espeak_AUDIO_OUTPUT: samples handed to the callback, ``espeak_Synth`` returns when done
AUDIO_OUTPUT_SYNCHRONOUS = 2
#: espeak_PARAMETER values
RATE, VOLUME, PITCH, RANGE = 1, 2, 3, 4
POS_CHARACTER = 1
CHARS_UTF8 = 1
#: espeakINITIALIZE_DONT_EXIT: report errors instead of exiting the process
INITIALIZE_DONT_EXIT = 0x8000

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass(frozen=True)
class Voice:
    """How one utterance is spoken: ``language`` (``en``, ``de`` …), eSpeak voice ``variant``
    (``m3``, ``f2``, ``klatt4`` …), ``rate`` in words per minute (80–450), ``pitch`` and
    ``pitch_range`` on eSpeak's 0–100 scales."""

    language: str
    variant: str
    rate: int = 170
    pitch: int = 50
    pitch_range: int = 50


class Synthesizer:
    """``Synthesizer().say(text, voice) -> int16 samples`` at :attr:`sample_rate` Hz."""

    _instance: Synthesizer | None = None

    def __new__(cls) -> Synthesizer:  # one per process: the C library is a singleton
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance._start()
        return cls._instance

    def _start(self) -> None:
        try:
            import espeakng_loader
        except ImportError:
            raise DataNotFoundError("the espeakng-loader package (eSpeak NG library and voices) is not installed",
                                    fix="pip install espeakng-loader (a neurokit dependency)") from None
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(),
                                     INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise DataNotFoundError("eSpeak NG failed to initialise", fix="reinstall espeakng-loader")
        self.sample_rate = int(rate)
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: the library calls it later
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib

    def _collect(self, wav: ctypes.Array[ctypes.c_short], n: int, _events: int) -> int:
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (n,)).copy())
        return 0  # 0: continue synthesis

    def say(self, text: str, voice: Voice) -> np.ndarray:
        """The utterance as int16 samples."""
        lib = self._lib
        if lib.espeak_SetVoiceByName(f"{voice.language}+{voice.variant}".encode()) != 0:
            raise InvalidInputError(f"eSpeak NG has no voice {voice.language}+{voice.variant}",
                                    fix="use a language and variant from espeak-ng-data/voices")
        for param, value in ((RATE, voice.rate), (PITCH, voice.pitch), (RANGE, voice.pitch_range)):
            lib.espeak_SetParameter(param, int(value), 0)
        self._chunks = []
        data = text.encode()
        lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
