namespace Guard.State;

/// <summary>The dynamic per-client lists <see cref="IStateStore.AdmitAsync"/> consults.</summary>
public enum ClientList
{
    /// <summary>Admitted without limits (but not past a ban or the deny list).</summary>
    Allow,

    /// <summary>Refused, before anything else is looked at.</summary>
    Deny,
}
