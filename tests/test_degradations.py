"""Cross-cutting tests of the degradations: the registry and its presets, the derived
``config()`` of the base class, and that every preset and every registered degradation has a
test class subclassing :class:`DegradationContract` (tests/degradation_contract.py).  The tests
of each degradation live in tests/test_<name>.py."""
import importlib
import json
from pathlib import Path

import pytest
import torch

import cold
from cold.degradations import DEGRADATION_PRESETS, Degradation

from degradation_contract import DegradationContract


def test_registry_names():
    assert cold.DEGRADATIONS == ("blur", "inpaint", "super_resolution", "snow", "desaturate",
                                 "noise", "animorph")
    for name in ["mnist-blur", "cifar10-blur", "celeba-blur", "celeba-blur-generation",
                 "mnist-inpaint", "cifar10-inpaint", "celeba-inpaint", "celeba-inpaint-generation",
                 "mnist-super_resolution", "cifar10-super_resolution", "celeba-super_resolution",
                 "cifar10-snow", "celeba-snow", "cifar10-desaturate", "celeba-desaturate",
                 "celeba-noise", "celeba-animorph"]:
        assert name in cold.DEGRADATION_PRESETS


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown degradation 'sharpen'"):
        cold.degradation("sharpen")
    with pytest.raises(ValueError, match="unknown degradation preset"):
        cold.degradation_preset("mnist-sharpen")
    with pytest.raises(ValueError, match="blur"):
        cold.degradation("blur", not_a_parameter=3)


@pytest.mark.parametrize("preset", sorted(DEGRADATION_PRESETS))
def test_preset_config_rebuilds_through_registry(preset):
    """``cold.degradation(name, **D.config())`` rebuilds every preset, with the preset's settings."""
    name, kwargs = DEGRADATION_PRESETS[preset]
    D = cold.degradation_preset(preset)
    cfg = D.config()
    assert D.name == name and json.loads(json.dumps(cfg)) == cfg
    for k, v in kwargs.items():
        assert cfg[k] == v, k
    D2 = cold.degradation(name, **cfg)
    assert type(D2) is type(D) and D2.config() == cfg and repr(D2) == repr(D)


def _contract_classes() -> list[type]:
    """Every subclass of DegradationContract in the tests/test_*.py files that use it."""
    here = Path(__file__)
    for path in sorted(here.parent.glob("test_*.py")):
        if path != here and "DegradationContract" in path.read_text():
            importlib.import_module(path.stem)
    out, todo = [], [DegradationContract]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__name__.startswith("Test"):
            out.append(cls)
    return out


def test_every_preset_and_degradation_has_a_contract_test():
    classes = _contract_classes()
    presets = {cls.preset for cls in classes if cls.preset}
    assert set(DEGRADATION_PRESETS) <= presets, sorted(set(DEGRADATION_PRESETS) - presets)
    names = {cls().make().name for cls in classes}
    assert set(cold.DEGRADATIONS) <= names, sorted(set(cold.DEGRADATIONS) - names)


# ------------------------------------------------------------------ the derived config()
class _Toy(Degradation):
    name = "toy"

    def __init__(self, T: int = 4, size=(3, 5), scale: float = 1.0, *args, table=None, **kwargs):
        super().__init__(T)
        self.size, self.scale, self.table = tuple(size), scale, table

    def _apply(self, x0, t, state):
        return x0 * 0


def test_config_is_derived_from_the_constructor():
    D = _Toy(T=3, size=(2, 2), scale=0.5, table={"a": (1, 2)})
    cfg = D.config()
    assert cfg == {"T": 3, "size": [2, 2], "scale": 0.5, "table": {"a": [1, 2]}}
    assert list(cfg) == ["T", "size", "scale", "table"]  # the constructor's order; no *args, **kwargs
    assert json.loads(json.dumps(cfg)) == cfg and _Toy(**cfg).config() == cfg
    assert repr(D) == "_Toy(T=3, size=[2, 2], scale=0.5, table={'a': [1, 2]})"


def test_config_needs_every_argument_stored():
    class Forgetful(_Toy):
        def __init__(self, T: int = 4, offset: float = 0.0):
            super().__init__(T)

    with pytest.raises(TypeError, match="offset"):
        Forgetful().config()


def test_config_excludes_tensors_explicitly():
    class WithData(_Toy):
        def __init__(self, T: int = 4, data=None):
            super().__init__(T)
            self.data = data

    assert WithData().config() == {"T": 4, "data": None}
    with pytest.raises(TypeError, match="config_exclude"):
        WithData(data=torch.zeros(2)).config()
    WithData.config_exclude = ("data",)
    assert WithData(data=torch.zeros(2)).config() == {"T": 4}
