using Google.Protobuf;
using Guard.Admin.Protocol;
using Guard.Rpc;

namespace Guard.Admin.Api;

/// <summary>The method descriptors of guard.admin.v1.AdminService, shared by the server and the CLI's client.</summary>
public static class AdminMethods
{
    public const string ServiceName = "guard.admin.v1.AdminService";

    public static readonly Method<ListPoliciesRequest, ListPoliciesResponse> ListPolicies = Unary<ListPoliciesRequest, ListPoliciesResponse>("ListPolicies");
    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy = Unary<GetPolicyRequest, GetPolicyResponse>("GetPolicy");
    public static readonly Method<SetPolicyRequest, SetPolicyResponse> SetPolicy = Unary<SetPolicyRequest, SetPolicyResponse>("SetPolicy");
    public static readonly Method<GetPolicyHistoryRequest, GetPolicyHistoryResponse> GetPolicyHistory = Unary<GetPolicyHistoryRequest, GetPolicyHistoryResponse>("GetPolicyHistory");
    public static readonly Method<RollbackPolicyRequest, RollbackPolicyResponse> RollbackPolicy = Unary<RollbackPolicyRequest, RollbackPolicyResponse>("RollbackPolicy");
    public static readonly Method<ListBlockedQueriesRequest, ListBlockedQueriesResponse> ListBlockedQueries = Unary<ListBlockedQueriesRequest, ListBlockedQueriesResponse>("ListBlockedQueries");
    public static readonly Method<GetBlockedQueryRequest, BlockedQuery> GetBlockedQuery = Unary<GetBlockedQueryRequest, BlockedQuery>("GetBlockedQuery");
    public static readonly Method<ListBansRequest, ListBansResponse> ListBans = Unary<ListBansRequest, ListBansResponse>("ListBans");
    public static readonly Method<BanClientRequest, BanClientResponse> BanClient = Unary<BanClientRequest, BanClientResponse>("BanClient");
    public static readonly Method<UnbanClientRequest, UnbanClientResponse> UnbanClient = Unary<UnbanClientRequest, UnbanClientResponse>("UnbanClient");

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new() =>
        new(MethodType.Unary, ServiceName, name, Marshallers.Protobuf(new MessageParser<TRequest>(() => new TRequest())), Marshallers.Protobuf(new MessageParser<TResponse>(() => new TResponse())));
}
