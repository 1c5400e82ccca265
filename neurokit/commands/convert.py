"""``neurokit convert [MODEL.pt --arch NAME] --timesteps 4,8,16,32,64 [--qcfs L] [--confidence auto] --out model.nir``."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api
from neurokit.commands import command_parser


def _confidence(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1] or 'auto', got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"the confidence threshold must be in (0, 1], got {value}")
    return value


def _timesteps(text: str) -> list[int]:
    try:
        steps = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a comma list of whole numbers, e.g. 4,8,16, got {text!r}") from None
    if not steps or min(steps) < 1:
        raise argparse.ArgumentTypeError(f"time steps must be >= 1, got {text!r}")
    return steps


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Traces the ANN with torch.fx (Linear, Conv2d, ReLU, BatchNorm folded, AvgPool2d, Flatten, residual
additions, Dropout dropped; MaxPool2d refused unless --maxpool avg; anything else refused with every
node listed), normalises weights by the activation percentile on calibration data, and writes an IR
graph of IF neurons with reset by subtraction and a half-threshold pre-charge. Prints and saves
(JSON + PNG) accuracy vs time steps measured by simulating the SNN with neurokit.sim, synaptic
operations against the ANN's MACs, and an energy estimate. Without MODEL it trains the reference ANN
of --arch on digits first (~5 s)."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(
        sub, "convert", help="convert a trained ANN (torch) into an IF-neuron SNN in the IR", description=DESCRIPTION,
        epilog="examples:\n  neurokit convert --timesteps 4,8,16,32 --out mlp.nir\n"
               "  neurokit convert --arch cnn --qcfs 4 --timesteps 2,4,8 --out cnn_qcfs.nir\n"
               "  neurokit convert weights.pt --arch mlp --confidence auto --out mlp.nir\n"
               "  neurokit convert model.onnx --calib data.npz --out model.nir\n"
               "  neurokit convert mypkg.models:build --weights trained.pt --calib data.npz --out model.nir",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", default=None,
                   help="the ANN: an ONNX file (MODEL.onnx; needs the onnx package), a module:function that returns "
                        "the (trained) nn.Module (e.g. mypkg.models:build; see --weights), or a state_dict of --arch "
                        "saved with torch.save(model.state_dict()) (loaded with weights_only=True)")
    p.add_argument("--weights", type=Path, default=None,
                   help="a state_dict loaded into the model a module:function MODEL builds")
    p.add_argument("--arch", default="mlp", choices=["mlp", "cnn", "rescnn"],
                   help="architecture of MODEL: mlp 64-128-64-10, cnn (conv-BN-pool-conv), rescnn (one residual "
                        "block) (default mlp)")
    p.add_argument("--calib", default="digits",
                   help="calibration/evaluation data: a dataset name (digits), a .npz (x_train, y_train, x_test, "
                        "y_test; or x, y) or a .npy of inputs (then the ANN's predictions are the labels) "
                        "(default digits)")
    p.add_argument("--timesteps", type=_timesteps, default=[4, 8, 16, 32, 64],
                   help="comma list of time steps to evaluate (default 4,8,16,32,64)")
    p.add_argument("--percentile", type=float, default=99.9, help="activation percentile for normalization (99.9)")
    p.add_argument("--channelwise", action="store_true", help="per-channel instead of per-layer normalization")
    p.add_argument("--qcfs", type=int, default=None, metavar="LEVELS",
                   help="swap ReLUs for QCFS with LEVELS levels and fine-tune before converting (low-latency SNN); "
                        "a MODEL with QCFS thresholds (*.lam keys) is converted without fine-tuning")
    p.add_argument("--finetune-epochs", type=int, default=30, help="QCFS fine-tuning epochs (default 30)")
    p.add_argument("--confidence", type=_confidence, default=None, metavar="THRESHOLD|auto",
                   help="Dynamic Confidence: stop each sample once the softmax confidence of the readout reaches "
                        "THRESHOLD (or a threshold calibrated on training data with 'auto'); reports mean steps")
    p.add_argument("--maxpool", choices=["refuse", "avg"], default="refuse",
                   help="MaxPool2d: refuse (default) or approximate by an average pool of the same window")
    p.add_argument("--seed", type=int, default=0, help="seed for training / fine-tuning (default 0)")
    p.add_argument("--out", type=Path, default=Path("model.nir"), help="converted model (.nir); report beside it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from neurokit.convert import format_table

    r = api.convert(args.model, arch=args.arch, calib=args.calib, timesteps=args.timesteps,
                    percentile=args.percentile, channelwise=args.channelwise, qcfs_levels=args.qcfs,
                    finetune_epochs=args.finetune_epochs, confidence=args.confidence, maxpool=args.maxpool,
                    out=args.out, seed=args.seed, weights=args.weights)
    print(format_table(r, args.timesteps))
    print(f"model: {args.out}; report: {r['report_dir']}/report.json, accuracy_vs_timesteps.png")
    return 0
