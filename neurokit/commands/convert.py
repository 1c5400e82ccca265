"""``neurokit convert [MODEL.pt --arch NAME] --timesteps 4,8,16,32,64 --out model.nir``."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("convert", help="convert a trained ANN (torch) into an IF-neuron SNN in the IR",
                       description="Traces the ANN with torch.fx (Linear, Conv2d, ReLU, BatchNorm folded, AvgPool2d, "
                                   "Flatten, Dropout dropped; anything else refused with every node listed), "
                                   "normalises weights by the activation percentile on calibration data, and writes "
                                   "an IR graph of IF neurons with reset by subtraction. Prints and saves (JSON + PNG) "
                                   "accuracy vs time steps measured by simulating the SNN. Without MODEL it trains "
                                   "the reference ANN (--arch mlp: 64-128-64-10, or cnn) on digits first (~5 s).")
    p.add_argument("model", nargs="?", default=None,
                   help="a state_dict saved with torch.save(model.state_dict()) (loaded with weights_only=True)")
    p.add_argument("--arch", default="mlp", choices=["mlp", "cnn"], help="architecture of MODEL (default mlp)")
    p.add_argument("--calib", default="digits", help="calibration/evaluation dataset (default digits)")
    p.add_argument("--timesteps", default="4,8,16,32,64", help="comma list of time steps to evaluate")
    p.add_argument("--percentile", type=float, default=99.9, help="activation percentile for normalization")
    p.add_argument("--channelwise", action="store_true", help="per-channel instead of per-layer normalization")
    p.add_argument("--out", type=Path, default=Path("model.nir"), help="converted model (.nir); report beside it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    steps = [int(t) for t in args.timesteps.split(",") if t.strip()]
    r = api.convert(args.model, arch=args.arch, calib=args.calib, timesteps=steps, percentile=args.percentile,
                    channelwise=args.channelwise, out=args.out)
    print(f"{'T':>6} {'SNN acc':>8} {'synops':>10}   (ANN acc {r['ann_acc']:.4f}, {r['ann_macs']} MACs)")
    for t in steps:
        print(f"{t:>6} {r['snn_acc'][str(t)]:>8.4f} {r['synops'][str(t)]:>10.0f}")
    print(f"model: {args.out}; report: {r['report_dir']}/report.json, accuracy_vs_timesteps.png")
    return 0
