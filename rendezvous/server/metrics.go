package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lifeline/rendezvous/room"
)

// Metrics are the server's Prometheus metrics, on a registry of their own
// so that several servers can live in one test process.
type Metrics struct {
	Registry        *prometheus.Registry
	LiveSessions    prometheus.Gauge
	Participants    prometheus.Gauge
	Connections     prometheus.Gauge
	SessionsStarted prometheus.Counter
	Joins           prometheus.Counter
	JoinFailures    *prometheus.CounterVec
	Resumes         prometheus.Counter
	Logins          *prometheus.CounterVec
	Messages        *prometheus.CounterVec
	MessageErrors   *prometheus.CounterVec
	Purged          *prometheus.CounterVec
	PurgeFailures   prometheus.Counter

	hub *room.Hub
}

// NewMetrics creates and registers the metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry:        prometheus.NewRegistry(),
		LiveSessions:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "lifeline_live_sessions", Help: "Support sessions currently live."}),
		Participants:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "lifeline_participants", Help: "Participants present in live sessions."}),
		Connections:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "lifeline_websocket_connections", Help: "Open control-plane WebSocket connections."}),
		SessionsStarted: prometheus.NewCounter(prometheus.CounterOpts{Name: "lifeline_sessions_started_total", Help: "Support sessions started."}),
		Joins:           prometheus.NewCounter(prometheus.CounterOpts{Name: "lifeline_joins_total", Help: "Customers who joined a session by number."}),
		JoinFailures:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_join_failures_total", Help: "Refused joins and resumes by reason."}, []string{"reason"}),
		Resumes:         prometheus.NewCounter(prometheus.CounterOpts{Name: "lifeline_resumes_total", Help: "Customers' agents that came back after a reboot with a resume token."}),
		Logins:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_logins_total", Help: "Login attempts by result."}, []string{"result"}),
		Messages:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_messages_total", Help: "Control messages received by type."}, []string{"type"}),
		MessageErrors:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_message_errors_total", Help: "Control messages refused by code."}, []string{"code"}),
		Purged:          prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lifeline_purged_rows_total", Help: "Rows deleted by the report retention, by kind."}, []string{"kind"}),
		PurgeFailures:   prometheus.NewCounter(prometheus.CounterOpts{Name: "lifeline_purge_failures_total", Help: "Report retention purges that stopped on an error."}),
	}
	m.Registry.MustRegister(m.LiveSessions, m.Participants, m.Connections, m.SessionsStarted, m.Joins,
		m.JoinFailures, m.Resumes, m.Logins, m.Messages, m.MessageErrors, m.Purged, m.PurgeFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
