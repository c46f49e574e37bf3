using System.Buffers.Binary;

namespace Tollgate.Tokens;

/// <summary>Reads the pixel size from the header of a PNG, JPEG, GIF or WebP image (no decoding).</summary>
public static class ImageDimensions
{
    public static bool TryRead(ReadOnlySpan<byte> image, out int width, out int height)
    {
        width = height = 0;
        if (image.Length >= 24 && image[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            width = BinaryPrimitives.ReadInt32BigEndian(image[16..]);
            height = BinaryPrimitives.ReadInt32BigEndian(image[20..]);
        }
        else if (image.Length >= 10 && (image[..6].SequenceEqual("GIF87a"u8) || image[..6].SequenceEqual("GIF89a"u8)))
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(image[6..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(image[8..]);
        }
        else if (image.Length >= 30 && image[..4].SequenceEqual("RIFF"u8) && image.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            ReadWebP(image, ref width, ref height);
        }
        else if (image.Length >= 4 && image[0] == 0xFF && image[1] == 0xD8)
        {
            ReadJpeg(image, ref width, ref height);
        }

        return width > 0 && height > 0;
    }

    private static void ReadWebP(ReadOnlySpan<byte> image, ref int width, ref int height)
    {
        var chunk = image.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8) && image.Length >= 30)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(image[26..]) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(image[28..]) & 0x3FFF;
        }
        else if (chunk.SequenceEqual("VP8L"u8) && image.Length >= 25)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(image[21..]);
            width = (int)(bits & 0x3FFF) + 1;
            height = (int)((bits >> 14) & 0x3FFF) + 1;
        }
        else if (chunk.SequenceEqual("VP8X"u8) && image.Length >= 30)
        {
            width = 1 + (image[24] | (image[25] << 8) | (image[26] << 16));
            height = 1 + (image[27] | (image[28] << 8) | (image[29] << 16));
        }
    }

    private static void ReadJpeg(ReadOnlySpan<byte> image, ref int width, ref int height)
    {
        var p = 2;
        while (p + 4 <= image.Length)
        {
            if (image[p] != 0xFF)
            {
                p++;
                continue;
            }

            var marker = image[p + 1];
            if (marker is 0xFF or 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                p += marker == 0xFF ? 1 : 2;
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(image[(p + 2)..]);
            // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC && p + 9 <= image.Length)
            {
                height = BinaryPrimitives.ReadUInt16BigEndian(image[(p + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(image[(p + 7)..]);
                return;
            }

            p += 2 + length;
        }
    }
}
