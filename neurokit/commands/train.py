"""``neurokit train``: train an SNN (default: the embedded event-digits task, about 30 s)."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurokit import api
from neurokit.commands import command_parser


#: The command's ``--help`` text (its line breaks become spaces).
DESCRIPTION = """Trains a feed-forward LIF classifier (MLP, or convolutional with --arch conv), or a spike-driven
transformer (--arch transformer). With no arguments it
uses the embedded event-digits dataset (no download) and reaches about 97.3 % test accuracy in about
30 s on 2 cores. Writes checkpoint.pt after every epoch (resume with --resume RUN_DIR),
metrics.jsonl (one line per epoch, as it ends; TensorBoard event files in tensorboard/ when
tensorboard or tensorboardX is installed), metrics.csv/json, learning_curves.png, raster.png,
model.nir and model_card.md into --out."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command_parser(sub, "train", help="train an SNN with surrogate gradients (default: embedded event-digits)",
                       description=DESCRIPTION)
    p.add_argument("--config", type=Path, default=None, help="TOML file with a [train] table (keys as TrainConfig)")
    p.add_argument("--dataset", default=None,
                   help="event-digits (default), spoken-digits (built offline on first use), or a tonic dataset "
                        "(shd, ssc, nmnist …) with --data-dir")
    p.add_argument("--data-dir", default=None, help="folder with the dataset's files (tonic datasets)")
    p.add_argument("--epochs", type=int, default=None, help="number of epochs (default 40)")
    p.add_argument("--dt", type=float, default=None, metavar="SECONDS",
                   help="time step: events are binned into steps of this length (default 0.01; per-dataset "
                        "defaults: spoken-digits 0.02)")
    p.add_argument("--steps", type=int, default=None,
                   help="number of time steps per sample (later events are dropped; default 30, spoken-digits 50, "
                        "shd/ssc 100)")
    p.add_argument("--seed", type=int, default=None, help="random seed (runs are reproducible for a seed)")
    p.add_argument("--mode", choices=["bptt", "sltt"], default=None, help="exact BPTT or memory-light SLTT")
    p.add_argument("--loss", choices=["mean_membrane", "max_membrane", "spike_count", "first_spike"], default=None,
                   help="readout loss: cross-entropy on the LI readout's mean (default) or max membrane, or on a "
                        "spiking readout's spike counts or first-spike times")
    p.add_argument("--arch", choices=["mlp", "conv", "lmu", "ensemble", "transformer"], default=None,
                   help="mlp: hidden LIF layers (default); conv: per --channels entry a 3x3 convolution, LIF "
                        "neurons and a 2x2 average pool, then a linear readout (image-shaped inputs); lmu: a spiking "
                        "Legendre Memory Unit (fixed Legendre memory weights, LIF populations; docs/architectures.md); "
                        "ensemble: --members small LIF MLPs on regions of the input, readouts summed; transformer: "
                        "a spike-driven transformer (patch embedding, spike-driven self-attention, spiking MLP, "
                        "membrane shortcuts; exported with neurokit extension nodes)")
    p.add_argument("--embed-dim", type=int, default=None, help="--arch transformer: channels per token (default 32)")
    p.add_argument("--blocks", type=int, default=None, help="--arch transformer: number of blocks (default 1)")
    p.add_argument("--patch", type=int, default=None,
                   help="--arch transformer: patch side in pixels, or features per token for 1-D inputs (default 4)")
    p.add_argument("--mlp-hidden", type=int, default=None,
                   help="--arch transformer: hidden channels of each block's spiking MLP (default 64)")
    p.add_argument("--channels", default=None, metavar="C1,C2,...",
                   help="conv channels per block for --arch conv (default 8,16)")
    p.add_argument("--memory-order", type=int, default=None,
                   help="arch lmu: Legendre coefficients per memory unit (default 8)")
    p.add_argument("--members", type=int, default=None, help="arch ensemble: number of member SNNs (default 4)")
    p.add_argument("--max-delay", type=int, default=None, metavar="STEPS",
                   help="learn a delay of 0..STEPS steps per synapse (DCLS), exported as Delay nodes (default 0)")
    p.add_argument("--timesteps-schedule", default=None, metavar="T0,T1,...",
                   help="IIR-SNN latency reduction: train at T0 steps, then at each lower T (same window, coarser "
                        "bins), every stage starting from the last and trained --stage-epochs epochs (e.g. 5,3,2,1)")
    p.add_argument("--stage-epochs", type=int, default=None, help="epochs of each stage after the first (default 5)")
    p.add_argument("--sltt-k", type=int, default=None, metavar="K",
                   help="with --mode sltt: back-propagate through K randomly chosen steps only (SLTT-K; default all)")
    p.add_argument("--learn-neuron", choices=["none", "layer", "neuron"], default=None,
                   help="train the LIF time constants and thresholds, one per layer or per neuron (PLIF-style); "
                        "exported to model.nir")
    p.add_argument("--init-from-ann", default=None, metavar="train|ANN.pt",
                   help="start from a ReLU MLP of the same sizes (trained first with 'train', or a saved state "
                        "dict) through conversion's normalisation, then fine-tune with surrogate gradients")
    p.add_argument("--ann-epochs", type=int, default=None, help="epochs of the ANN for --init-from-ann train (30)")
    p.add_argument("--continual", choices=["hlop", "replay", "finetune"], default=None,
                   help="task-incremental learning: the classes split into --tasks tasks trained in order, with "
                        "Hebbian orthogonal projection (HLOP), replay of stored samples, or plain fine-tuning; "
                        "--epochs per task; summary.json holds the accuracy matrix and the forgetting")
    p.add_argument("--tasks", type=int, default=None, help="number of tasks for --continual (default 5)")
    p.add_argument("--recurrent", action="store_true", default=None,
                   help="arch mlp: each hidden LIF layer also receives its own spikes of the previous step "
                        "(recurrent weights, exported as a loop edge; BPTT)")
    p.add_argument("--nproc", type=int, default=1,
                   help="data-parallel training in N processes on this machine (torch.distributed: gloo on CPUs, NCCL on GPUs); "
                        "the global batch is split between them (default 1)")
    p.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto",
                   help="where to train: cuda (GPU; the LIF recurrence runs as a Triton kernel), cpu (Numba "
                        "kernel) or auto (cuda when torch sees a GPU, default); with --nproc N on GPUs each "
                        "process takes one GPU and the processes reduce over NCCL")
    p.add_argument("--out", type=Path, default=Path("runs/train"), help="run directory (default runs/train)")
    p.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                   help="continue an interrupted run from its last checkpoint; with --epochs N, train on until N "
                        "epochs in all (extends a finished run)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    card = api.train(config=args.config, out=args.resume or args.out, resume=args.resume is not None,
                     dataset=args.dataset, data_dir=args.data_dir, epochs=args.epochs, seed=args.seed, mode=args.mode,
                     max_delay=args.max_delay, loss=args.loss, nproc=args.nproc, device=args.device, arch=args.arch,
                     channels=_ints(args.channels, "--channels", "8,16"), dt=args.dt, steps=args.steps,
                     recurrent=args.recurrent,
                     timesteps_schedule=_ints(args.timesteps_schedule, "--timesteps-schedule", "5,3,2,1"),
                     stage_epochs=args.stage_epochs, sltt_k=args.sltt_k, learn_neuron=args.learn_neuron,
                     init_from_ann=args.init_from_ann, ann_epochs=args.ann_epochs, continual=args.continual,
                     tasks=args.tasks, memory_order=args.memory_order, members=args.members,
                     embed_dim=args.embed_dim, blocks=args.blocks, patch=args.patch, mlp_hidden=args.mlp_hidden)
    if "accuracy_matrix" in card:
        print(f"continual ({card['continual']}): average accuracy {card['average_accuracy']:.4f}, "
              f"forgetting {card['forgetting']:.4f}; run: {card['run_dir']}")
        return 0
    if "test_accuracy_sim" not in card and not card.get("stages"):  # a rank other than 0 of a torchrun launch
        print(f"trained as a worker of a distributed run; rank 0 writes {card['run_dir']}")
        return 0
    for st in card.get("stages", []):
        print(f"stage T={st['T']}: test accuracy {st['test_accuracy_sim']:.4f} ({st['epochs']} epochs)")
    print(f"test accuracy {card['test_accuracy_sim']:.4f} (neurokit.sim on model.nir), "
          f"{card['synaptic_ops_per_inference']:.0f} synaptic ops/inference, "
          f"{card['energy_uj_per_inference']:.3f} µJ estimated; run: {card['run_dir']}")
    return 0


def _ints(text: str | None, option: str, example: str) -> list[int] | None:
    """A comma-separated list of whole numbers given to ``option`` (``None`` stays ``None``)."""
    from neurokit.errors import InvalidInputError

    if text is None:
        return None
    try:
        return [int(c) for c in text.split(",") if c.strip()]
    except ValueError:
        raise InvalidInputError(f"{option} {text!r} is not a comma-separated list of whole numbers",
                                fix=f"e.g. {option} {example}") from None
