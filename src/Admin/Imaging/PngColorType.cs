namespace Guard.Admin.Imaging;

/// <summary>The PNG colour types <see cref="PngEncoder"/> writes; the values are PNG's own IHDR codes.</summary>
public enum PngColorType : byte
{
    /// <summary>One 8-bit sample per pixel.</summary>
    Grayscale = 0,

    /// <summary>Three 8-bit samples per pixel, red, green, blue.</summary>
    Rgb = 2,
}
