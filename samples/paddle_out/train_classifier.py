"""Train a small CNN on synthetic images: a complete torch training script.

Written for torch2paddle's samples: a Dataset, DataLoaders, a CNN, CrossEntropyLoss, SGD with
momentum and weight decay, a StepLR schedule, a train/eval loop and a checkpoint.  Every piece
is an importable function; ``main()`` runs the whole thing:

    python train_classifier.py --epochs 2 --out checkpoint.pt
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import paddle
import paddle.nn as nn
from paddle.io import DataLoader, Dataset

from ._torch2paddle_support import _attach_lr_scheduler


class SyntheticImages(Dataset):
    """Deterministic 3x16x16 images: class k has a brighter k-th quadrant, plus noise."""

    def __init__(self, n: int, num_classes: int = 4, size: int = 16, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, num_classes, size=n)
        images = rng.normal(0.0, 0.5, size=(n, 3, size, size)).astype("float32")
        half = size // 2
        for i, k in enumerate(self.labels):
            row, col = divmod(int(k), 2)
            images[i, :, row * half : (row + 1) * half, col * half : (col + 1) * half] += 1.0
        self.images = images

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        return self.images[i], int(self.labels[i])


class SmallCNN(nn.Layer):
    def __init__(self, num_classes: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2D(3, 8, kernel_size=3, padding=1, bias_attr=False),
            nn.BatchNorm2D(8),
            nn.ReLU(),
            nn.MaxPool2D(2),
            nn.Conv2D(8, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2D(1),
        )
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = paddle.flatten(x, 1)
        return self.classifier(x)


def make_loaders(batch_size: int = 8, shuffle: bool = True):
    train_loader = DataLoader(
        SyntheticImages(40, seed=0),
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=0,
    )
    val_loader = DataLoader(SyntheticImages(16, seed=1), batch_size=16, shuffle=False)
    return train_loader, val_loader


def build_training(
    model: nn.Layer, lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 5e-4
):
    criterion = nn.CrossEntropyLoss(axis=1)
    optimizer = paddle.optimizer.Momentum(
        parameters=model.parameters(),
        learning_rate=lr,
        momentum=momentum,
        weight_decay=weight_decay,
    )
    scheduler = _attach_lr_scheduler(
        optimizer,
        paddle.optimizer.lr.StepDecay(
            learning_rate=optimizer.get_lr(), step_size=1, gamma=0.5
        ),
    )
    return criterion, optimizer, scheduler


def train_one_epoch(
    model: nn.Layer,
    loader,
    criterion: nn.Layer,
    optimizer: paddle.optimizer.Optimizer,
    device,
) -> list[float]:
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.clear_grad(set_to_zero=False)
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@paddle.no_grad()
def evaluate(model: nn.Layer, loader, device) -> float:
    model.eval()
    correct = 0
    total = 0
    for images, labels in loader:
        outputs = model(images)
        correct += (outputs.argmax(axis=1) == labels).sum().item()
        total += labels.shape[0]
    return correct / total


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--out", default="checkpoint.pt")
    args = parser.parse_args(argv)

    paddle.seed(0)
    device = paddle.device.set_device(
        "gpu" if paddle.device.cuda.device_count() else "cpu"
    )
    train_loader, val_loader = make_loaders(args.batch_size)
    model = SmallCNN()
    criterion, optimizer, scheduler = build_training(model)
    accuracy = 0.0
    for epoch in range(args.epochs):
        losses = train_one_epoch(model, train_loader, criterion, optimizer, device)
        scheduler.step()
        accuracy = evaluate(model, val_loader, device)
        print(
            f"epoch {epoch}: loss {sum(losses) / len(losses):.4f}, val accuracy {accuracy:.3f}, lr {scheduler.last_lr:.4f}"
        )
    paddle.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": args.epochs,
        },
        args.out,
    )
    return accuracy


if __name__ == "__main__":
    main()
