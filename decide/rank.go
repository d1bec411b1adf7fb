package decide

import (
	"math"
)

// Ties (§4.1) are broken by a hash of (seed, recipient, activity,
// placement, offer): reproducible for the same inputs, and spread evenly
// across recipients. The hash is FNV-1a, whose state after the scope's
// fields is kept so each offer costs only its own bytes, with a final mix
// so that offers differing in their last byte still order independently.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	// A separator byte that ids cannot hold keeps ("ab","c") apart from
	// ("a","bc").
	h ^= 0xff
	h *= fnvPrime
	return h
}

func tiePrefix(seed, recipient, activity, placement string) uint64 {
	h := uint64(fnvOffset)
	h = fnvString(h, seed)
	h = fnvString(h, recipient)
	h = fnvString(h, activity)
	return fnvString(h, placement)
}

func tieHash(prefix uint64, offer string) uint64 {
	return mix64(fnvString(prefix, offer))
}

// mix64 is the splitmix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// rng is splitmix64: small, fast, and seeded per draw so that learned
// ranking is reproducible without global randomness.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform value in (0, 1).
func (r *rng) float() float64 {
	return (float64(r.next()>>11) + 0.5) / (1 << 53)
}

func (r *rng) normal() float64 {
	// Box–Muller; one of the pair is enough here.
	return math.Sqrt(-2*math.Log(r.float())) * math.Cos(2*math.Pi*r.float())
}

// gamma samples Gamma(a, 1) for a >= 1 (Marsaglia and Tsang).
func (r *rng) gamma(a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.float()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// beta samples Beta(a, b) for a, b >= 1.
func (r *rng) beta(a, b float64) float64 {
	x := r.gamma(a)
	y := r.gamma(b)
	return x / (x + y)
}

// modelSalt separates the sampling stream from the tie-break hash.
const modelSalt = 0x6d6f64656c5f7473

// sample draws a Thompson-sampling score for cand: Beta(1+clicks,
// 1+impressions-clicks) from the feedback of the offer in the placement
// (§4.5), seeded like ties.
func (st *state) sample(pl *plan, c *Criterion, cand *candidate) float64 {
	var imps, clicks int64
	if st.req.Stats != nil {
		imps, clicks = st.req.Stats.Feedback(c.RankID, cand.offer.ID, pl.placement.ID)
	}
	clicks = max(clicks, 0)
	imps = max(imps, clicks)
	r := rng{s: tieHash(st.scopeHash, cand.offer.ID) ^ modelSalt}
	return r.beta(float64(1+clicks), float64(1+imps-clicks))
}
