package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parley/internal/platform/db"
)

// jobCollector reports River jobs by state at scrape time, from the
// database, so every node reports the same shared queue.
type jobCollector struct {
	d    *db.DB
	desc *prometheus.Desc
}

func newJobCollector(d *db.DB) *jobCollector {
	return &jobCollector{d: d, desc: prometheus.NewDesc("parley_jobs", "Background jobs by state.", []string{"state"}, nil)}
}

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.d.Reader().QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n float64
		if rows.Scan(&state, &n) == nil {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n, state)
		}
	}
}
