"""SqueezeNet 1.0 and 1.1 in the classic torchvision style, written for torch2paddle's samples."""

from typing import Any

import paddle
import paddle.nn as nn

from ._torch2paddle_support import load_state_dict_from_url


__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1"]

model_urls = {
    "squeezenet1_0": "https://download.pytorch.org/models/squeezenet1_0-b66bff10.pth",
    "squeezenet1_1": "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
}


class Fire(nn.Layer):
    """Squeeze with 1x1 convolutions, then expand with parallel 1x1 and 3x3 convolutions."""

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super(Fire, self).__init__()
        self.squeeze = nn.Conv2D(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU()
        self.expand1x1 = nn.Conv2D(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU()
        self.expand3x3 = nn.Conv2D(
            squeeze_planes, expand3x3_planes, kernel_size=3, padding=1
        )
        self.expand3x3_activation = nn.ReLU()

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        left = self.expand1x1_activation(self.expand1x1(x))
        right = self.expand3x3_activation(self.expand3x3(x))
        return paddle.concat([left, right], 1)  # channels: expand1x1 + expand3x3


class SqueezeNet(nn.Layer):
    def __init__(self, version="1_0", num_classes=1000):
        super(SqueezeNet, self).__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2D(3, 96, kernel_size=7, stride=2),
                nn.ReLU(),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(96, 16, 64, 64),
                Fire(128, 16, 64, 64),
                Fire(128, 32, 128, 128),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 32, 128, 128),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(512, 64, 256, 256),
            )
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2D(3, 64, kernel_size=3, stride=2),
                nn.ReLU(),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(64, 16, 64, 64),
                Fire(128, 16, 64, 64),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(128, 32, 128, 128),
                Fire(256, 32, 128, 128),
                nn.MaxPool2D(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                Fire(512, 64, 256, 256),
            )
        else:
            raise ValueError("Unsupported SqueezeNet version {}: 1_0 or 1_1 expected".format(version))

        # The last convolution gets a smaller initialization than the others.
        final_conv = nn.Conv2D(512, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            final_conv,
            nn.ReLU(),
            nn.AdaptiveAvgPool2D((1, 1)),
        )

        for m in self.sublayers(include_self=True):
            if isinstance(m, nn.Conv2D):
                if m is final_conv:
                    nn.initializer.Normal(mean=0.0, std=0.01)(m.weight)
                else:
                    nn.initializer.KaimingUniform()(m.weight)
                if m.bias is not None:
                    nn.initializer.Constant(0)(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return paddle.flatten(x, 1)


def _squeezenet(version, pretrained, progress, **kwargs):
    model = SqueezeNet(version, **kwargs)
    if pretrained:
        arch = "squeezenet" + version
        # TODO(torch2paddle): T2P201 torch.utils.model_zoo.load_url: model_urls usually
        #   point at torch checkpoints, which Paddle cannot load: convert them with
        #   `torch2paddle convert-weights` and point the URL at the .pdparams file.
        model.set_state_dict(
            load_state_dict_from_url(model_urls[arch], progress=progress)
        )
    return model


def squeezenet1_0(pretrained=False, progress=True, **kwargs):
    return _squeezenet("1_0", pretrained, progress, **kwargs)


def squeezenet1_1(pretrained=False, progress=True, **kwargs):
    return _squeezenet("1_1", pretrained, progress, **kwargs)
