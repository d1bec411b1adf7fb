package api

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/offermail/offermail/decide"
)

// metrics are what /metrics shows, besides the Go runtime and process
// collectors. Label values come from the route table and the library, so
// their number is bounded whatever the requests say.
type metrics struct {
	requests  *prometheus.CounterVec   // route, status
	latency   *prometheus.HistogramVec // route
	decisions *prometheus.CounterVec   // mode: counted, replayed, dry_run, released
	fallbacks *prometheus.CounterVec   // activity, placement
	refusals  *prometheus.CounterVec   // offer
	reloads   *prometheus.CounterVec   // result: ok, error

	byStatus sync.Map // routeStatus → prometheus.Counter
	byRoute  sync.Map // route → prometheus.Observer
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offermail_api_requests_total", Help: "Requests answered, by route and HTTP status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "offermail_api_request_duration_seconds", Help: "Time to answer a request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offermail_api_decisions_total",
			Help: "Decisions answered: counted (decision events reserved in the store), replayed (an Idempotency-Key retry; nothing counted), dry_run, or released (counted, then given back because the answer did not render).",
		}, []string{"mode"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offermail_api_fallbacks_total", Help: "Propositions answered with the activity's fallback, by activity and placement.",
		}, []string{"activity", "placement"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offermail_api_cap_refusals_total",
			Help: "Reservations the store refused because a cap of the offer was full (the decision is then made again without it), by offer.",
		}, []string{"offer"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "offermail_api_reloads_total", Help: "Reloads of the library and templates, by result.",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.decisions, m.fallbacks, m.refusals, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe counts one answered request. The children of the vectors are
// looked up once per route and status, not per request.
func (m *metrics) observe(route string, status int, took time.Duration) {
	key := routeStatus{route, status}
	c, ok := m.byStatus.Load(key)
	if !ok {
		c, _ = m.byStatus.LoadOrStore(key, m.requests.WithLabelValues(route, strconv.Itoa(status)))
	}
	c.(prometheus.Counter).Inc()
	o, ok := m.byRoute.Load(route)
	if !ok {
		o, _ = m.byRoute.LoadOrStore(route, m.latency.WithLabelValues(route))
	}
	o.(prometheus.Observer).Observe(took.Seconds())
}

type routeStatus struct {
	route  string
	status int
}

// meteredStore counts the store's cap refusals by offer.
type meteredStore struct {
	decide.Store
	m *metrics
}

func (s meteredStore) Reserve(ctx context.Context, rs []decide.Reservation) ([]decide.Outcome, error) {
	out, err := s.Store.Reserve(ctx, rs)
	for _, o := range out {
		if o.Status == decide.Exhausted {
			for _, k := range o.Exhausted {
				s.m.refusals.WithLabelValues(offerOfKey(k)).Inc()
			}
		}
	}
	return out, err
}

// offerOfKey reads the offer id out of a counter key made by
// decide.CounterKey ("cap|<offer>|…").
func offerOfKey(key string) string {
	rest, ok := strings.CutPrefix(key, "cap|")
	if !ok {
		return "?"
	}
	offer, _, _ := strings.Cut(rest, "|")
	return offer
}
