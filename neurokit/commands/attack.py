"""``neurokit attack MODEL``: white-box sparse attacks on spike inputs and their transfer to targets."""

from __future__ import annotations

import argparse

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Attacks a trained feed-forward LIF classifier (.nir from neurokit train) on event-digits test
samples: greedy event flips chosen by surrogate gradients (variant sg) or potential-dependent
surrogate gradients (pdsg); reports the success rate per number of flipped events and runs the same
adversarial inputs on every --targets target's own numeric mode. Writes attack.json and
adversarial.npz into --out."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "attack",
                       help="sparse adversarial attack on spike inputs (flipped events) and its transfer",
                       description=DESCRIPTION)
    p.add_argument("model", help="the model (.nir)")
    p.add_argument("--samples", type=int, default=100, help="test samples to attack (default 100)")
    p.add_argument("--budget", type=int, default=20, help="most events flipped per sample (default 20)")
    p.add_argument("--variant", choices=["sg", "pdsg"], default="sg",
                   help="sg: the model's surrogate; pdsg: surrogate width from the membrane spread (default sg)")
    p.add_argument("--targets", default="", metavar="T1,T2",
                   help="targets whose numeric mode runs the adversarial inputs, e.g. loihi2,spinnaker,crossbar")
    p.add_argument("--out", default="attack", help="output folder (default attack)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rep = api.attack(args.model, samples=args.samples, budget=args.budget, variant=args.variant,
                     targets=[t for t in args.targets.split(",") if t.strip()], out=args.out)
    marks = [b for b in (1, 2, 5, 10, 20, 50) if b <= rep["budget"]] + [rep["budget"]]
    print(f"clean accuracy {rep['clean_accuracy']:.3f}; success by flipped events: "
          + ", ".join(f"{b}: {rep['success_by_budget'][b]:.2f}" for b in sorted(set(marks))))
    for name, t in rep["transfer"].items():
        print(f"  {name}: " + (f"refused ({t['refused']})" if "refused" in t else
                               f"clean {t['clean_accuracy']:.3f}, attacked {t['adversarial_accuracy']:.3f}, "
                               f"transfer success {t['success']:.2f}"))
    print(f"report: {rep['report']}")
    return 0
