package intel

import (
	"math"
	"slices"
)

// Importance (V4-3) scores each device from 0 to 100:
//
//	importance = 100 × (0.45·PR/PRmax + 0.25·D/Dmax + 0.30·W(role))
//
// PR is the device's PageRank in the communication graph (damping 0.85)
// with every conversation as an edge both ways, weighted by the square
// root of its packets: a device busy with other busy devices ranks high.
// The edges run both ways because a controller that only answers would
// otherwise hand all its rank to the one server it is a client of (its
// time server), which is not what makes a plant depend on it. D is its
// number of distinct peers; W is the weight of its role, for what its loss
// would stop: controllers and the SCADA server most, office clients least.
const (
	weightPageRank = 0.45
	weightDegree   = 0.25
	weightRole     = 0.30
	damping        = 0.85
	pageRankIters  = 100
	pageRankEps    = 1e-10
)

// roleWeights are W(role).
var roleWeights = map[Role]float64{
	RolePLC: 1.0, RoleSCADA: 0.9, RoleRouter: 0.9, RoleEngineering: 0.8, RoleHistorian: 0.7,
	RoleHMI: 0.7, RoleDHCP: 0.6, RoleDNS: 0.6, RoleSwitch: 0.6, RoleFieldIO: 0.5, RoleNTP: 0.5,
	RoleFileServer: 0.5, RoleServer: 0.4, RolePrinter: 0.2, RoleClient: 0.2, RoleUnknown: 0.1,
}

// ImportanceParts is how a device's importance was made up, each part in
// 0..1 before weighting.
type ImportanceParts struct {
	PageRank float64 // PR/PRmax
	Degree   float64 // D/Dmax
	Role     float64 // W(role)
}

func assignImportance(inv *Inventory, g *graph) {
	nodes := g.n + len(g.addrs)
	pr := pageRank(nodes, g.edges)
	maxPR, maxDeg := 0.0, 0
	for i := range inv.Devices {
		maxPR = max(maxPR, pr[i])
		maxDeg = max(maxDeg, inv.Devices[i].Peers)
	}
	for i := range inv.Devices {
		d := &inv.Devices[i]
		var p ImportanceParts
		// A device without peers only holds PageRank's teleport share.
		if maxPR > 0 && d.Peers > 0 {
			p.PageRank = pr[i] / maxPR
		}
		if maxDeg > 0 {
			p.Degree = float64(d.Peers) / float64(maxDeg)
		}
		p.Role = roleWeights[d.Role]
		d.ImportanceOf = p
		v := 100 * (weightPageRank*p.PageRank + weightDegree*p.Degree + weightRole*p.Role)
		d.Importance = math.Round(v*10) / 10
	}
}

// pageRank runs weighted PageRank by power iteration over edges made
// symmetric. Nodes without edges share their rank with every node, as
// usual.
func pageRank(n int, edges map[[2]int]float64) []float64 {
	if n == 0 {
		return nil
	}
	type out struct {
		to int
		w  float64
	}
	adj := make([][]out, n)
	sum := make([]float64, n)
	keys := make([][2]int, 0, len(edges))
	for k := range edges {
		keys = append(keys, k)
	}
	// A fixed order keeps the floating-point sums, and so the ranking,
	// identical from run to run.
	slices.SortFunc(keys, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	for _, k := range keys {
		w := math.Sqrt(edges[k])
		for _, e := range [2][2]int{k, {k[1], k[0]}} {
			adj[e[0]] = append(adj[e[0]], out{e[1], w})
			sum[e[0]] += w
		}
	}
	rank := make([]float64, n)
	next := make([]float64, n)
	for i := range rank {
		rank[i] = 1 / float64(n)
	}
	for range pageRankIters {
		dangling := 0.0
		for i := range next {
			next[i] = 0
		}
		for i, r := range rank {
			if sum[i] == 0 {
				dangling += r
				continue
			}
			for _, o := range adj[i] {
				next[o.to] += damping * r * o.w / sum[i]
			}
		}
		base := (1-damping)/float64(n) + damping*dangling/float64(n)
		diff := 0.0
		for i := range next {
			next[i] += base
			diff += math.Abs(next[i] - rank[i])
		}
		rank, next = next, rank
		if diff < pageRankEps {
			break
		}
	}
	return rank
}
