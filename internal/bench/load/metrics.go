package load

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"
)

// sampleEvery is how often /metrics is scraped during a step.
const sampleEvery = 250 * time.Millisecond

// sample is one scrape of the server's process metrics.
type sample struct {
	at  time.Time
	rss int64
	cpu float64 // process_cpu_seconds_total
	ok  bool
}

// parseProcess reads process_resident_memory_bytes and
// process_cpu_seconds_total from the Prometheus text format (both are
// unlabelled gauges/counters written by the standard process collector).
func parseProcess(b []byte) (rss int64, cpu float64, ok bool) {
	var haveRSS, haveCPU bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, found := strings.Cut(line, " ")
		if !found {
			continue
		}
		val, _, _ := strings.Cut(strings.TrimSpace(rest), " ") // drop an optional timestamp
		switch name {
		case "process_resident_memory_bytes":
			f, err := strconv.ParseFloat(val, 64)
			if err == nil {
				rss, haveRSS = int64(f), true
			}
		case "process_cpu_seconds_total":
			f, err := strconv.ParseFloat(val, 64)
			if err == nil {
				cpu, haveCPU = f, true
			}
		}
	}
	return rss, cpu, haveRSS && haveCPU
}

func scrape(ctx context.Context, cl *client) sample {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := cl.raw(ctx, "/metrics")
	at := time.Now()
	if err != nil {
		return sample{at: at}
	}
	rss, cpu, ok := parseProcess(b)
	return sample{at: at, rss: rss, cpu: cpu, ok: ok}
}

// monitor scrapes /metrics from the start of a step to its end: the first
// scrape gives the starting RSS, every scrape feeds the maximum, and the
// scrapes at the start and end of the measured window give the CPU rate.
type monitor struct {
	done chan struct{}
	out  chan resources
}

// resources is what a monitor reports for one step.
type resources struct {
	rssStart, rssMax int64
	cpu              float64
	samples          int
}

func startMonitor(ctx context.Context, cl *client, measureFrom time.Time) *monitor {
	m := &monitor{done: make(chan struct{}), out: make(chan resources, 1)}
	first := scrape(ctx, cl)
	go func() {
		var r resources
		var cpuStart sample
		note := func(s sample) {
			if !s.ok {
				return
			}
			r.samples++
			r.rssMax = max(r.rssMax, s.rss)
		}
		note(first)
		if first.ok {
			r.rssStart = first.rss
		}
		if !measureFrom.After(time.Now()) {
			cpuStart = first
		}
		mark := time.NewTimer(time.Until(measureFrom))
		defer mark.Stop()
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-mark.C:
				cpuStart = scrape(ctx, cl)
				note(cpuStart)
			case <-tick.C:
				note(scrape(ctx, cl))
			case <-m.done:
				end := scrape(ctx, cl)
				note(end)
				if cpuStart.ok && end.ok && end.at.After(cpuStart.at) {
					r.cpu = max(0, (end.cpu-cpuStart.cpu)/end.at.Sub(cpuStart.at).Seconds())
				}
				m.out <- r
				return
			}
		}
	}()
	return m
}

// stop ends the monitor and returns what it saw.
func (m *monitor) stop(ctx context.Context) resources {
	close(m.done)
	select {
	case r := <-m.out:
		return r
	case <-ctx.Done():
		return resources{}
	}
}
