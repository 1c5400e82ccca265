"""Crossbar options and fault keys are declared and validated: an unknown or mistyped one is a
one-line error naming the key and the allowed keys with their types, through ``api.deploy``,
``neurokit deploy`` and ``neurokit hil --fault`` — never silently ignored, and before anything runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import api, ir
from neurokit.cli import main
from neurokit.errors import ConfigError, InvalidInputError

OPTION_LIST = "crossbar options are: device: str = 'pcm', seed: int = 0, t_inference: float = 1.0"
FAULT_LIST = "crossbar faults are: stuck_on_rate: float = 0.0, stuck_off_rate: float = 0.0"


@pytest.fixture()
def model(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    g = ir.Graph.sequential(ir.Linear(weight=rng.normal(0, 1, (6, 20))),
                            ir.LIF(tau=np.full(6, 0.002), r=np.ones(6), v_leak=np.zeros(6), v_threshold=np.ones(6)),
                            names=["fc", "lif"], profile=ir.Profile(dt=1e-3))
    ir.write(g, tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", (rng.random((10, 2, 20)) < 0.3).astype(np.float64))
    return tmp_path / "m.nir", tmp_path / "x.npy"


@pytest.mark.parametrize(("options", "message"), [
    ({"tile_size": 128}, "unknown crossbar option 'tile_size'"),
    ({"adc_bits": "six"}, "crossbar option 'adc_bits' must be int, got str 'six'"),
    ({"adc_bits": 6.5}, "crossbar option 'adc_bits' must be int, got float 6.5"),
    ({"drift_compensation": 0}, "crossbar option 'drift_compensation' must be bool, got int 0"),
    ({"arrays": "many"}, "crossbar option 'arrays' must be int | None, got str 'many'"),
])
def test_api_deploy_refuses_unknown_or_mistyped_options(model: tuple[Path, Path], tmp_path: Path,
                                                        options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        api.deploy(model[0], "crossbar:ideal", tmp_path / "art", options=options)
    assert message in str(info.value) and OPTION_LIST in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "art").exists()  # refused before lowering


def test_api_deploy_validates_faults_and_injects_declared_ones(model: tuple[Path, Path], tmp_path: Path) -> None:
    m, x = model
    with pytest.raises(ConfigError, match="unknown crossbar fault 'stuck_at'") as info:
        api.deploy(m, "crossbar:ideal", tmp_path / "a", run_inputs=x, faults={"stuck_at": 0.1})
    assert FAULT_LIST in str(info.value)
    with pytest.raises(ConfigError, match="crossbar fault 'stuck_on_rate' must be float, got str 'lots'"):
        api.deploy(m, "crossbar:ideal", tmp_path / "b", run_inputs=x, faults={"stuck_on_rate": "lots"})
    with pytest.raises(ConfigError, match=r"must be a rate in \[0, 1\], got 2.0"):
        api.deploy(m, "crossbar:ideal", tmp_path / "c", run_inputs=x, faults={"stuck_off_rate": 2})
    with pytest.raises(InvalidInputError, match="faults are injected into a board run"):
        api.deploy(m, "crossbar:ideal", tmp_path / "d", faults={"stuck_off_rate": 0.5})
    clean = api.deploy(m, "crossbar:ideal", tmp_path / "e", run_inputs=x)
    broken = api.deploy(m, "crossbar:ideal", tmp_path / "f", run_inputs=x, faults={"stuck_off_rate": 1})
    assert clean["counters"]["operations/cell_macs"] > 0
    from neurokit.sim.recording import Recording

    spikes = lambda r: Recording.from_hdf5(r["recording"]).spike_train("lif").sum()  # noqa: E731
    assert spikes(clean) > 0 and spikes(broken) == 0  # every cell stuck off: no current, no spike


def test_deploy_cli_refuses_an_unknown_option_and_fault(model: tuple[Path, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    m, x = model
    assert main(["deploy", str(m), "--target", "crossbar", "--out", str(tmp_path / "a"),
                 "--option", "tile_size=128"]) == 2
    err = capsys.readouterr().err
    assert "unknown crossbar option 'tile_size'" in err and OPTION_LIST in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert main(["deploy", str(m), "--target", "crossbar", "--out", str(tmp_path / "b"), "--run", str(x),
                 "--fault", "stuck_at=0.1"]) == 2
    assert "unknown crossbar fault 'stuck_at'" in capsys.readouterr().err


@pytest.mark.parametrize(("fault", "message"), [
    ("crossbar:ideal:stuck_at=0.1", "unknown crossbar fault 'stuck_at'"),
    ("crossbar:ideal:stuck_on_rate=high", "crossbar fault 'stuck_on_rate' must be float, got str 'high'"),
    ("crossbar:ideal:stuck_on_rate=true", "crossbar fault 'stuck_on_rate' must be float, got bool True"),
    ("crossbar:pcm:stuck_on_rate=0.1", "faults given for 'crossbar:pcm', which is not among the targets"),
])
def test_hil_cli_refuses_unknown_or_mistyped_faults_before_running(model: tuple[Path, Path], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    fault: str, message: str) -> None:
    m, x = model
    report = tmp_path / "report"
    assert main(["hil", str(m), "--targets", "crossbar:ideal", "--input", str(x), "--samples", "2",
                 "--report", str(report), "--fault", fault]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (report / "artifacts").exists()  # nothing was lowered or run


def test_hil_with_a_declared_fault_runs_and_reports_the_cost(model: tuple[Path, Path], tmp_path: Path) -> None:
    m, x = model
    out = api.hil(m, ["crossbar:ideal"], samples=2, inputs=x, report=tmp_path / "r",
                  faults={"crossbar:ideal": {"stuck_off_rate": 1}})
    row = out["targets"]["crossbar:ideal"] if isinstance(out["targets"], dict) else out["targets"][0]
    assert row["status"] == "ok" and row["faults"] == {"stuck_off_rate": 1}
    assert row["own_mode"]["spikes"]["got"] == 0 < row["own_mode"]["spikes"]["expected"]
    assert row["counters"]["operations/mvms"] > 0 and row["cost"]["arrays"] == 1
