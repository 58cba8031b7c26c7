"""Tests of the restoration network R(x_t, t) -> x̂_0 (cold.unet.UNet)."""
import json

import pytest
import torch

from cold.unet import UNet

SMALL = dict(dim=8, dim_mults=(1, 2), groups=4, attn_heads=2, attn_dim_head=8)


def _model(seed=0, **kw):
    torch.manual_seed(seed)
    return UNet(**{**SMALL, **kw}).eval()


@pytest.mark.parametrize(
    "shape, kw",
    [
        ((1, 28, 28), dict()),
        ((1, 28, 28), dict(dim_mults=(1, 2, 2))),  # 28 -> 14 -> 7
        ((1, 28, 28), dict(dim_mults=(1, 2, 2, 2), attn_levels=(3,))),  # 7 -> 4 (odd size)
        ((3, 32, 32), dict(num_res_blocks=2, attn_levels=(1,))),
        ((3, 32, 32), dict(mid_attn=False, dropout=0.1)),
        ((3, 64, 64), dict(dim_mults=(1, 1, 2, 2))),
        ((3, 30, 22), dict(dim_mults=(1, 2, 2, 2))),  # non-square, 15 -> 8 -> 4 and 11 -> 6 -> 3
        ((3, 16, 16), dict(out_channels=1)),
    ],
)
def test_output_shape(shape, kw):
    m = _model(channels=shape[0], **kw)
    x = torch.randn(2, *shape)
    with torch.no_grad():
        y = m(x, torch.tensor([0, 17]))
    out_c = kw.get("out_channels") or shape[0]
    assert y.shape == (2, out_c, *shape[1:])
    assert y.dtype == torch.float32 and torch.isfinite(y).all()


def test_default_config_28px():
    m = UNet(channels=1)
    assert m.config()["dim"] == 32 and m.config()["dim_mults"] == [1, 2, 2]
    assert 0.8e6 < m.num_parameters() < 1.6e6
    with torch.no_grad():
        assert m(torch.randn(1, 1, 28, 28), 5).shape == (1, 1, 28, 28)


def test_t_embedding_is_used_per_image():
    m = _model(channels=3)
    x = torch.randn(1, 3, 16, 16).expand(3, -1, -1, -1).contiguous()  # three identical images
    with torch.no_grad():
        y = m(x, torch.tensor([0, 0, 50]))
    assert torch.allclose(y[0], y[1])
    assert (y[0] - y[2]).abs().max() > 1e-4
    # an int t is broadcast to the batch
    with torch.no_grad():
        assert torch.allclose(m(x, 50), m(x, torch.tensor([50, 50, 50])))


def test_num_parameters():
    m = _model(channels=3)
    assert m.num_parameters() == sum(p.numel() for p in m.parameters()) > 0
    m.init.weight.requires_grad_(False)
    assert m.num_parameters(trainable_only=True) == m.num_parameters() - m.init.weight.numel()


def test_config_round_trip():
    m = _model(channels=3, num_res_blocks=2, attn_levels=(1,), out_channels=1, dropout=0.0)
    cfg = json.loads(json.dumps(m.config()))  # JSON-serialisable
    m2 = UNet(**cfg).eval()
    assert m2.config() == m.config()
    m2.load_state_dict(m.state_dict(), strict=True)
    x, t = torch.randn(2, 3, 20, 20), torch.tensor([3, 9])
    with torch.no_grad():
        assert torch.equal(m(x, t), m2(x, t))


def test_gradients_flow_to_all_parameters():
    m = _model(channels=1, attn_levels=(0, 1)).train()
    x = torch.randn(2, 1, 12, 12)
    loss = (m(x, torch.tensor([1, 40])) - x).abs().mean()
    loss.backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None]
    assert not missing, missing
    assert any(p.grad.abs().sum() > 0 for p in m.parameters())


def test_deterministic_with_seed():
    x, t = torch.randn(2, 3, 16, 16), torch.tensor([1, 2])
    with torch.no_grad():
        a, b = _model(seed=123, channels=3)(x, t), _model(seed=123, channels=3)(x, t)
        c = _model(seed=124, channels=3)(x, t)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_bad_inputs_raise():
    m = _model(channels=3)
    with pytest.raises(ValueError, match="channels"):
        m(torch.randn(1, 1, 16, 16), 0)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        m(torch.randn(3, 16, 16), 0)
    with pytest.raises(ValueError, match="t must be"):
        m(torch.randn(2, 3, 16, 16), torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="floating"):
        m(torch.zeros(1, 3, 16, 16, dtype=torch.long), 0)
    with pytest.raises(ValueError, match="groups"):
        UNet(dim=12, groups=8)
    with pytest.raises(ValueError, match="attn_levels"):
        UNet(dim_mults=(1, 2), attn_levels=(2,))


def test_bf16_autocast_cpu():
    m = _model(channels=3)
    x, t = torch.randn(2, 3, 16, 16), torch.tensor([4, 8])
    with torch.no_grad():
        ref = m(x, t)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = m(x, t)
    assert y.shape == ref.shape and torch.isfinite(y.float()).all()
    assert (y.float() - ref).abs().max() < 0.1


def test_channels_last():
    m = _model(channels=3)
    x, t = torch.randn(2, 3, 18, 18), torch.tensor([4, 8])
    with torch.no_grad():
        ref = m(x, t)
        m = m.to(memory_format=torch.channels_last)
        y = m(x.contiguous(memory_format=torch.channels_last), t)
    assert torch.allclose(y, ref, atol=1e-5)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_forward_backward():
    m = _model(channels=3).cuda().train()
    x = torch.randn(2, 3, 32, 32, device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        y = m(x, torch.tensor([1, 2], device="cuda"))
    assert y.shape == x.shape and y.device.type == "cuda"
    (y.float() - x).abs().mean().backward()
    assert all(p.grad is not None for p in m.parameters())
