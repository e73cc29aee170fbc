namespace Guard.RedTeam.Attacks;

/// <summary>The clean image an attack starts from (values in [0, 1]), its true label and layout.</summary>
public sealed record AttackInput(float[] Image, int Label, ImageShape Shape)
{
    public void Validate()
    {
        if (Image.Length != Shape.Length)
        {
            throw new ArgumentException($"The image has {Image.Length} values, its shape {Shape} says {Shape.Length}.");
        }

        if (Image.Any(v => !(v >= 0f && v <= 1f)))
        {
            throw new ArgumentException("Attacks work on images with values in [0, 1].");
        }
    }
}
