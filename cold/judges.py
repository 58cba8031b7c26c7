"""Measures of generated images that a blank or smeared image cannot fool.

Figure 2 of the paper contrasts Algorithm 1, which "produces compounding artifacts and fails to
generate a new image", with TACoS, which succeeds.  A plain L2 distance to the nearest training
image does not show it on MNIST: a near-empty image is close to every digit, so Algorithm 1's thin
strokes would score better than TACoS's digits.  These measures are not fooled:

* :func:`ink_fraction` -- the fraction of "ink" pixels (brighter than mid-grey), to compare with
  the training data's own fraction;
* :func:`nearest_centred_cosine` -- for each sample, the cosine similarity of its mean-subtracted
  pixels to those of the most similar training image (1 = the same picture up to brightness and
  contrast; a flat image scores 0);
* :class:`DigitClassifier` / :func:`recognisability` -- the mean max-probability that a small
  MNIST classifier gives the samples (real test digits score close to 1), with the classifier
  shipped in the package (``cold/assets/mnist-classifier.safetensors``; retrain it with
  :func:`train_digit_classifier`).

All take images in [-1, 1] of shape (N, C, H, W).
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from .utils import atomic_path

__all__ = ["ink_fraction", "nearest_centred_cosine", "DigitClassifier", "train_digit_classifier",
           "load_digit_classifier", "save_digit_classifier", "recognisability", "train_and_check",
           "CLASSIFIER_PATH"]

#: the shipped digit classifier (32 px MNIST, official train split)
CLASSIFIER_PATH = Path(__file__).resolve().parent / "assets" / "mnist-classifier.safetensors"


def _check(x: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"{name}: expected an image batch of shape (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    return x.float()


def ink_fraction(x: torch.Tensor, threshold: float = 0.0) -> torch.Tensor:
    """Per image, the fraction of pixels above ``threshold`` (0 = mid-grey in [-1, 1])."""
    x = _check(x, "ink_fraction")
    return (x > threshold).float().flatten(1).mean(1)


def _centred_unit(x: torch.Tensor) -> torch.Tensor:
    v = x.flatten(1)
    v = v - v.mean(1, keepdim=True)
    return v / v.norm(dim=1, keepdim=True).clamp_min(1e-8)


def nearest_centred_cosine(x: torch.Tensor, reference: torch.Tensor, chunk: int = 4096
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """For each image of ``x``, the most similar image of ``reference`` by centred cosine
    similarity: returns ``(similarity, index)``, both of length N.

    Both are centred per image (mean subtracted) and normalised, so brightness and contrast do
    not count and a flat image scores 0 against everything."""
    x, reference = _check(x, "nearest_centred_cosine"), _check(reference, "nearest_centred_cosine")
    if x.shape[1:] != reference.shape[1:]:
        raise ValueError(f"nearest_centred_cosine: samples {tuple(x.shape[1:])} and reference "
                         f"{tuple(reference.shape[1:])} differ in shape")
    a = _centred_unit(x)
    best = torch.full((len(a),), -math.inf)
    index = torch.zeros(len(a), dtype=torch.long)
    for start in range(0, len(reference), chunk):
        b = _centred_unit(reference[start:start + chunk])
        sim, i = (a @ b.T).max(1)
        better = sim > best
        best[better], index[better] = sim[better], i[better] + start
    return best, index


class DigitClassifier(nn.Module):
    """A small CNN for 32 px MNIST digits (about 0.1 M parameters), a judge of generated
    digits, not a model of the paper."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, 10) of images (N, 1, 32, 32) in [-1, 1]."""
        if x.dim() != 4 or x.shape[1:] != (1, 32, 32):
            raise ValueError(f"DigitClassifier: expected (N, 1, 32, 32) images, got {tuple(x.shape)}")
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        return self.fc(x.flatten(1))


def train_digit_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 2,
                           batch_size: int = 128, lr: float = 2e-3, seed: int = 0,
                           progress: bool = True) -> DigitClassifier:
    """Train :class:`DigitClassifier` on 32 px digits in [-1, 1] (about a minute on 2 cores)."""
    from tqdm.auto import tqdm

    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = DigitClassifier()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = len(images)
    steps = epochs * math.ceil(n / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    bar = tqdm(total=steps, desc="digit classifier", disable=not progress)
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            loss = F.cross_entropy(net(images[idx]), labels[idx].long())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
            bar.set_postfix(loss=f"{float(loss):.3f}")
    bar.close()
    return net.eval()


def save_digit_classifier(net: DigitClassifier, path: str | Path = CLASSIFIER_PATH) -> Path:
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({k: v.detach().contiguous() for k, v in net.state_dict().items()}, str(tmp))
    return path


def load_digit_classifier(path: str | Path = CLASSIFIER_PATH) -> DigitClassifier:
    """The shipped digit classifier (safetensors; nothing is unpickled)."""
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no digit classifier at {path}; train one with "
                                f"cold judge --train")
    net = DigitClassifier()
    net.load_state_dict(load_file(str(path)))
    return net.eval()


@torch.no_grad()
def recognisability(x: torch.Tensor, net: DigitClassifier | None = None, batch_size: int = 500
                    ) -> tuple[float, torch.Tensor]:
    """Mean max-probability of the digit classifier on ``x`` and the predicted labels: close to
    1 for clear digits, lower for strokes no digit explains."""
    x = _check(x, "recognisability")
    net = net or load_digit_classifier()
    probs = torch.cat([F.softmax(net(x[i:i + batch_size].clamp(-1, 1)), 1)
                       for i in range(0, len(x), batch_size)])
    conf, label = probs.max(1)
    return float(conf.mean()), label


def train_and_check(train: bool = False, out: str | Path = CLASSIFIER_PATH, epochs: int = 2,
                    progress: bool = True) -> dict:
    """``cold judge``: optionally (re)train the digit classifier on the MNIST train split and
    write it to ``out``; then score it on the 10,000 MNIST test digits (32 px)."""
    from .data import load_dataset

    if train:
        ds = load_dataset("mnist", "train", image_size=32, channels=1)
        net = train_digit_classifier(ds.batch(range(len(ds))), torch.as_tensor(ds.labels), epochs=epochs,
                                     progress=progress)
        save_digit_classifier(net, out)
    net = load_digit_classifier(out)
    test = load_dataset("mnist", "test", image_size=32, channels=1)
    conf, pred = recognisability(test.batch(range(len(test))), net)
    return dict(accuracy=float((pred == torch.as_tensor(test.labels)).float().mean()),
                recognisability=conf, n=len(test), path=str(out))
