"""Render resources/icons/gan-studio.svg to the icon files desktops use (run after editing the SVG).

    QT_QPA_PLATFORM=offscreen python resources/tools/make_icons.py

Writes gan-studio-N.png (the hicolor sizes Linux desktops use), gan-studio.ico (Windows: the
PyInstaller build's exe icon) and gan-studio.icns (macOS: the .app's icon). Every size is
rendered from the SVG by QtSvg, not scaled down from a big bitmap, so small sizes stay crisp;
Pillow packs them into .ico and .icns.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # written as PNGs
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # Windows uses up to 256
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # macOS: 16-512 and their @2x versions


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def to_pillow(image: QImage) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs one
    renderer = QSvgRenderer(str(ICONS / "gan-studio.svg"))
    if not renderer.isValid():
        sys.exit(f"cannot read {ICONS / 'gan-studio.svg'}")
    images = {size: render(renderer, size) for size in sorted(set(SIZES + ICO_SIZES + ICNS_SIZES))}
    for size in SIZES:
        path = ICONS / f"gan-studio-{size}.png"
        images[size].save(str(path))
        print(f"wrote {path}")
    images = {size: to_pillow(image) for size, image in images.items()}
    # Pillow takes the exact images through append_images; without them it would scale the first.
    largest = max(ICO_SIZES)
    ico = ICONS / "gan-studio.ico"
    images[largest].save(ico, sizes=[(s, s) for s in ICO_SIZES], append_images=[images[s] for s in ICO_SIZES])
    print(f"wrote {ico}")
    icns = ICONS / "gan-studio.icns"
    images[max(ICNS_SIZES)].save(icns, append_images=[images[s] for s in ICNS_SIZES])
    print(f"wrote {icns}")


if __name__ == "__main__":
    main()
