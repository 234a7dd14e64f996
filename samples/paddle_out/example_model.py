"""A small classifier on a ResNet-50 backbone, the way porting projects usually start."""

from typing import Optional

import paddle
import paddle.nn as nn
from paddle import Tensor

from .resnet import resnet50


class ExampleModel(nn.Layer):
    def __init__(self, num_classes: int = 10, dropout: float = 0.2, pretrained_backbone: bool = False) -> None:
        super().__init__()
        backbone = resnet50(pretrained=pretrained_backbone)
        # everything but the classifier: conv stem, four stages, global pooling
        self.backbone = nn.Sequential(*list(backbone.children())[:-1])
        self.dropout = nn.Dropout(p=dropout)
        self.head = nn.Linear(2048, num_classes)
        nn.initializer.XavierUniform()(self.head.weight)
        nn.initializer.Constant(0.0)(self.head.bias)

    def forward(self, x: Tensor, return_features: Optional[bool] = False):
        features = paddle.flatten(self.backbone(x), 1)
        logits = self.head(self.dropout(features))
        if return_features:
            return logits, features
        return logits


def example_model(**kwargs) -> ExampleModel:
    return ExampleModel(**kwargs)
