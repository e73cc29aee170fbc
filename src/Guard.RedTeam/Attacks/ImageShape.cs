namespace Guard.RedTeam.Attacks;

/// <summary>An image's layout, channels × height × width (CHW, row-major), as attacks that work on patches need it.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public static readonly ImageShape FashionMnist = new(1, 28, 28);

    public int Length => Channels * Height * Width;

    public int Index(int channel, int row, int column) => (((channel * Height) + row) * Width) + column;
}
