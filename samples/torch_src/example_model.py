"""A small classifier on a ResNet-50 backbone, the way porting projects usually start."""

from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from .resnet import resnet50


class ExampleModel(nn.Module):
    def __init__(self, num_classes: int = 10, dropout: float = 0.2, pretrained_backbone: bool = False) -> None:
        super().__init__()
        backbone = resnet50(pretrained=pretrained_backbone)
        # everything but the classifier: conv stem, four stages, global pooling
        self.backbone = nn.Sequential(*list(backbone.children())[:-1])
        self.dropout = nn.Dropout(p=dropout)
        self.head = nn.Linear(2048, num_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: Tensor, return_features: Optional[bool] = False):
        features = torch.flatten(self.backbone(x), 1)
        logits = self.head(self.dropout(features))
        if return_features:
            return logits, features
        return logits


def example_model(**kwargs) -> ExampleModel:
    return ExampleModel(**kwargs)
