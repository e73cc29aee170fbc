namespace Guard.Admin.Imaging;

/// <summary>How a logged input tensor reads as images (see <see cref="SnapshotImage.Describe"/>).</summary>
/// <param name="Count">Images in the batch (1 for unbatched shapes).</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
/// <param name="Channels">1 (grayscale) or 3 (RGB).</param>
/// <param name="ChannelsLast">True for [N,H,W,C] (interleaved), false for [N,C,H,W] (planar) and the
/// single-channel shapes.</param>
public sealed record SnapshotImageLayout(int Count, int Height, int Width, int Channels, bool ChannelsLast);
