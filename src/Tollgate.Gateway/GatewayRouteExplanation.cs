using Tollgate.Routing;

namespace Tollgate.Gateway;

/// <summary>The gateway's routing decision for a request.</summary>
/// <param name="Decision">The router's decision, with its explanation.</param>
/// <param name="Attempts">The providers the gateway would try, in order (chosen, its backup, the ranked alternatives).</param>
/// <param name="Providers">The providers the gateway would have.</param>
public sealed record GatewayRouteExplanation(RouteDecision Decision, IReadOnlyList<RouteCandidate> Attempts, IReadOnlyList<string> Providers);
