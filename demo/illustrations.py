"""Generated pictures for the demo newsroom: abstract landscapes for heroes, initials for avatars.

Each picture is drawn from its seed alone, so every run makes the same bytes.
"""

import io
import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

# The sizes pictures are made at; tests shrink them so that renditions are quick.
HERO_SIZE = (1600, 900)  # pixels
AVATAR_SIZE = 384  # pixels square; renditions are 96 and 192
# Heroes are composed at this size (their shapes are measured in its pixels), then scaled.
HERO_FRAME = (1600, 900)


@dataclass(frozen=True)
class Palette:
    sky_top: tuple
    sky_bottom: tuple
    light: tuple  # sun or moon
    far: tuple
    near: tuple
    sea: tuple
    lit_windows: float  # share of city windows lit


PALETTES = {
    "dawn": Palette((58, 64, 120), (246, 182, 150), (255, 228, 190), (128, 112, 152),
                    (44, 40, 74), (84, 100, 150), 0.25),
    "day": Palette((62, 126, 198), (206, 228, 242), (255, 251, 228), (120, 152, 160),
                   (38, 82, 72), (36, 98, 148), 0.05),
    "dusk": Palette((30, 30, 72), (240, 132, 82), (255, 194, 104), (92, 62, 92),
                    (26, 20, 42), (52, 42, 82), 0.45),
    "night": Palette((8, 12, 36), (44, 54, 104), (232, 232, 212), (32, 36, 72),
                     (10, 10, 26), (16, 22, 52), 0.6),
    "storm": Palette((58, 68, 80), (152, 162, 160), (208, 210, 198), (82, 92, 96),
                     (34, 44, 50), (60, 76, 86), 0.3),
    "autumn": Palette((108, 140, 190), (246, 216, 160), (255, 242, 204), (172, 130, 90),
                      (90, 60, 40), (70, 102, 132), 0.15),
}

SCENES = ("harbour", "hills", "city", "abstract")

# What hero_image draws, in words, for alt text: change these with the drawing.
SCENE_WORDS = {
    "harbour": "small sailing boats and a long jetty on a calm sea below a low headland",
    "hills": "layers of rolling hills fading into the distance",
    "city": "a row of tower blocks beside the water",
    "abstract": "overlapping see-through circles crossed by slanting bands of colour",
}
LIGHT_WORDS = {
    "dawn": "a pale sun in a pink dawn sky",
    "day": "a white sun in a clear blue sky",
    "dusk": "an orange sun in a dark evening sky",
    "night": "a full moon in a dark night sky",
    "storm": "a pale sun behind a grey storm sky",
    "autumn": "a pale sun in a sky turning golden, in autumn colours",
}
LIT_CITY = 0.25  # the share of lit windows from which a city's windows are worth a mention


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _gradient(size, top, bottom):
    column = Image.new("RGB", (1, 2))
    column.putpixel((0, 0), top)
    column.putpixel((0, 1), bottom)
    return column.resize(size, Image.BILINEAR)


def _ridge(rng, width, height, base, amplitude):
    """A smooth skyline of hills: a sum of sine waves with random phases."""
    waves = [(rng.uniform(0.5, 1) * amplitude / (i + 1), rng.uniform(1, 3) * (i + 1),
              rng.uniform(0, math.tau)) for i in range(3)]
    points = [(x, base + sum(a * math.sin(x / width * math.tau * f + p) for a, f, p in waves))
              for x in range(0, width + 20, 20)]
    return points + [(width, height), (0, height)]


def hero_image(seed, scene, palette_name, size=None):
    """A JPEG landscape-like illustration (HERO_SIZE unless size), the same for the same seed."""
    if scene not in SCENES:
        raise ValueError(f'unknown scene "{scene}"; the scenes are {", ".join(SCENES)}')
    rng = random.Random(seed)
    p = PALETTES[palette_name]
    width, height = HERO_FRAME
    image = _gradient(HERO_FRAME, p.sky_top, p.sky_bottom)
    draw = ImageDraw.Draw(image, "RGBA")
    horizon = round(height * rng.uniform(0.58, 0.7))

    radius = rng.randint(height // 16, height // 9)
    cx, cy = rng.randint(width // 6, width * 5 // 6), rng.randint(height // 7, horizon - radius)
    for step in range(6, 0, -1):  # a soft glow, then the disc
        r = radius * (1 + step * 0.35)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*p.light, 14))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*p.light, 235))

    if scene == "abstract":
        for _ in range(rng.randint(7, 12)):
            r = rng.randint(height // 10, height // 2)
            x, y = rng.randint(0, width), rng.randint(0, height)
            colour = _mix(p.far, p.light, rng.random())
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, rng.randint(40, 110)))
        for _ in range(rng.randint(3, 5)):
            y, thickness = rng.randint(0, height), rng.randint(20, 90)
            slope = rng.randint(-height // 3, height // 3)
            draw.polygon([(0, y), (width, y + slope), (width, y + slope + thickness),
                          (0, y + thickness)], fill=(*_mix(p.near, p.sea, rng.random()), 90))
    elif scene == "hills":
        layers = 4
        for layer in range(layers):
            t = layer / (layers - 1)
            base = horizon - height * 0.22 + t * height * 0.3
            draw.polygon(_ridge(rng, width, height, base, height * (0.05 + 0.04 * t)),
                         fill=_mix(_mix(p.far, p.sky_bottom, 0.3), p.near, t))
    else:
        draw.polygon(_ridge(rng, width, height, horizon - height * 0.05, height * 0.03),
                     fill=p.far)
        # The sea, lighter at the horizon, with the light's reflection on it.
        sea = _gradient((width, height - horizon), _mix(p.sea, p.sky_bottom, 0.35), p.sea)
        image.paste(sea, (0, horizon))
        for y in range(horizon + 4, height, 9):
            spread = radius * (0.6 + (y - horizon) / height * 2)
            offset = rng.uniform(-spread * 0.2, spread * 0.2)
            draw.line((cx - spread + offset, y, cx + spread + offset, y),
                      fill=(*p.light, 70), width=3)
        if scene == "city":
            x = rng.randint(-40, 0)
            while x < width:
                w, h = rng.randint(50, 140), rng.randint(height // 10, height // 2)
                draw.rectangle((x, horizon - h, x + w, horizon), fill=p.near)
                for wy in range(horizon - h + 14, horizon - 10, 22):
                    for wx in range(x + 10, x + w - 12, 18):
                        if rng.random() < p.lit_windows:
                            draw.rectangle((wx, wy, wx + 7, wy + 10), fill=(255, 214, 140, 210))
                x += w + rng.randint(0, 12)
        else:  # harbour: a breakwater and a few boats
            pier_y = horizon + (height - horizon) // 3
            pier_end = rng.randint(width // 3, width * 2 // 3)
            draw.rectangle((0, pier_y, pier_end, pier_y + 14), fill=p.near)
            draw.rectangle((pier_end - 22, pier_y - 70, pier_end - 6, pier_y), fill=p.near)
            for _ in range(rng.randint(2, 4)):
                bx = rng.randint(0, width - 140)
                by = rng.randint(horizon + 20, height - 40)
                scale = 0.5 + (by - horizon) / (height - horizon)
                bw = 110 * scale
                draw.polygon([(bx, by), (bx + bw, by), (bx + bw * 0.85, by + 18 * scale),
                              (bx + bw * 0.12, by + 18 * scale)], fill=p.near)
                draw.polygon([(bx + bw * 0.45, by - 80 * scale), (bx + bw * 0.45, by - 4),
                              (bx + bw * 0.9, by - 4)], fill=_mix(p.light, p.near, 0.25))

    size = size or HERO_SIZE
    if size != HERO_FRAME:
        image = image.resize(size, Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def describe(scene, palette_name):
    """What hero_image(seed, scene, palette_name) shows, as alt text."""
    if scene not in SCENES:
        raise ValueError(f'unknown scene "{scene}"; the scenes are {", ".join(SCENES)}')
    words = SCENE_WORDS[scene]
    if scene == "city" and PALETTES[palette_name].lit_windows >= LIT_CITY:
        words = words.replace("tower blocks", "tower blocks with lit windows")
    return f"Illustration: {words}, with {LIGHT_WORDS[palette_name]}."


def avatar_image(name, colour, is_ai, size=None):
    """A PNG of the name's initials on the author's colour, edge to edge.

    The site gives avatars their shape (a circle for people, a rounded square
    for AI personas: static/css/site.css), so the picture has no frame or
    background of its own to show as a ring. is_ai is kept for callers.
    """
    size = size or AVATAR_SIZE
    image = Image.new("RGB", (size, size), tuple(colour))
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size * 0.38)
    draw.text((size / 2, size / 2), initials, font=font, anchor="mm", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
