"""Generate resources/sounds/chime.wav: a soft two-note chime, our own, 22.05 kHz mono 16-bit.

The format matches espeak-ng's output so the chime can be joined in front of an announcement.
"""

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050


def tone(freq: float, seconds: float, volume: float) -> list[float]:
    count = int(RATE * seconds)
    out = []
    for i in range(count):
        t = i / RATE
        attack = min(1.0, t / 0.01)
        decay = math.exp(-4.5 * t / seconds)
        out.append(volume * attack * decay * math.sin(2 * math.pi * freq * t))
    return out


def main(path: Path) -> None:
    samples = tone(660.0, 0.22, 0.22) + tone(880.0, 0.38, 0.2) + [0.0] * int(RATE * 0.12)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(struct.pack("<h", round(s * 32767)) for s in samples))


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "src/stretch_desktop/resources/sounds/chime.wav")
    )
