#!/usr/bin/python3
"""Builds the TorchScript networks the networks tests load, the way a PyTorch user would.

Usage: /usr/bin/python3 make_test_networks.py OUT_DIR
Writes: cnn.pt (scripted: conv-BN-ReLU, pooling, dropout, Linear + BatchNorm1d), resnet.pt
(scripted residual blocks, average pooling, view), cnn_traced.pt (torch.jit.trace of the CNN),
attention.pt (a one-block transformer: its Linear layers on tiles, attention and LayerNorm digital),
tiny_linear.pt (one Linear 20 -> 6), and the bad ones: conv_transpose.pt, grouped.pt,
nan_weight.pt, rgb_input.pt (expects 3 channels), not_torchscript.pt (a torch.save pickle).
Weights are random (seeded) with BatchNorm statistics set away from the identity, so that
folding is exercised.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.bn_fc = nn.BatchNorm1d(32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.drop(torch.flatten(x, 1))
        x = F.relu(self.bn_fc(self.fc1(x)))
        return self.fc2(x)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_a = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn_a = nn.BatchNorm2d(c)
        self.conv_b = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn_b = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn_a(self.conv_a(x)))
        return F.relu(x + self.bn_b(self.conv_b(y)))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.block1 = Block(8)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.block2 = Block(16)
        self.avg = nn.AvgPool2d(2)
        self.head = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.block1(F.relu(self.stem(x)))
        x = self.block2(F.relu(self.down(x)))
        x = self.avg(x)
        return self.head(x.view(x.size(0), -1))


class TinyAttention(nn.Module):
    """A one-block transformer over the 28 image rows as tokens: q, k, v, output and MLP
    projections are nn.Linear (tiles); attention, softmax and LayerNorm stay digital."""

    def __init__(self, d=32):
        super().__init__()
        self.embed = nn.Linear(28, d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.norm1 = nn.LayerNorm(d)
        self.mlp1 = nn.Linear(d, 2 * d)
        self.mlp2 = nn.Linear(2 * d, d)
        self.norm2 = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)
        self.scale = d ** -0.5

    def forward(self, x):
        t = self.embed(x.squeeze(1))                       # [B, 28 tokens, d]
        a = torch.softmax(self.q(t) @ self.k(t).transpose(1, 2) * self.scale, dim=-1)
        t = self.norm1(t + self.o(a @ self.v(t)))
        t = self.norm2(t + self.mlp2(F.gelu(self.mlp1(t))))
        return self.head(t.mean(dim=1))


class TinyLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 6)

    def forward(self, x):
        return self.fc(x)


class ConvTranspose(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(1, 2, 2, stride=2)
        self.fc = nn.Linear(2 * 56 * 56, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.up(x), 1))


class Grouped(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, groups=2)
        self.fc = nn.Linear(4 * 28 * 28, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv2(self.conv1(x)), 1))


class RgbInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))


def randomize_bn(model):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


def save(model, path, trace=False):
    model.eval()
    if trace:
        torch.jit.trace(model, torch.rand(2, 1, 28, 28)).save(path)
    else:
        torch.jit.script(model).save(path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1)
    cnn = SmallCnn()
    randomize_bn(cnn)
    save(cnn, os.path.join(out, "cnn.pt"))
    save(cnn, os.path.join(out, "cnn_traced.pt"), trace=True)
    res = SmallResNet()
    randomize_bn(res)
    save(res, os.path.join(out, "resnet.pt"))
    save(TinyLinear(), os.path.join(out, "tiny_linear.pt"))
    save(TinyAttention(), os.path.join(out, "attention.pt"))
    save(ConvTranspose(), os.path.join(out, "conv_transpose.pt"))
    save(Grouped(), os.path.join(out, "grouped.pt"))
    save(RgbInput(), os.path.join(out, "rgb_input.pt"))
    bad = TinyLinear()
    with torch.no_grad():
        bad.fc.weight[2, 3] = float("nan")
    save(bad, os.path.join(out, "nan_weight.pt"))
    torch.save(TinyLinear().state_dict(), os.path.join(out, "not_torchscript.pt"))


if __name__ == "__main__":
    main()
