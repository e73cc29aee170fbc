namespace Guard.RedTeam.Running;

/// <summary>An endpoint as the report names it, with the clients the runs use.</summary>
public sealed record EndpointClients(string Name, ClientPool Clients);
