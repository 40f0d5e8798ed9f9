package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"parley/internal/platform/errs"
)

// WithBase stores the scheme://host used to build absolute URLs.
func WithBase(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, keyBase, base)
}

// BaseURL is the scheme://host of the current request ("" outside one).
func BaseURL(ctx context.Context) string {
	s, _ := ctx.Value(keyBase).(string)
	return s
}

// URL builds an absolute API URL, e.g. URL(ctx, "/api/v2/users/%d.json", id).
func URL(ctx context.Context, format string, args ...any) string {
	return BaseURL(ctx) + fmt.Sprintf(format, args...)
}

// Base sets the request's base URL. The scheme comes from TLS, or from
// X-Forwarded-Proto when trustProxy is set (behind a load balancer).
func Base(trustProxy bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			if trustProxy {
				if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
					scheme = p
				}
			}
			next.ServeHTTP(w, r.WithContext(WithBase(r.Context(), scheme+"://"+r.Host)))
		})
	}
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Metrics are the HTTP Prometheus collectors.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Observe is the outermost middleware: request id, recovery, JSON access
// log and metrics labelled by chi's route pattern (never the raw path).
func Observe(log *slog.Logger, m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rid := r.Header.Get("X-Request-Id")
			if rid == "" || len(rid) > 64 {
				rid = newRequestID()
			}
			w.Header().Set("X-Request-Id", rid)
			l := log.With("request_id", rid)
			ctx := context.WithValue(WithLogger(r.Context(), l), keyRequestID, rid)
			sw := &statusWriter{ResponseWriter: w}
			r = r.WithContext(ctx)
			defer func() {
				if p := recover(); p != nil {
					l.ErrorContext(ctx, "panic", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
					if sw.status == 0 {
						WriteError(sw, r, errs.E(errs.Internal, "panic"))
					}
				}
				route := "unmatched"
				if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
					route = rc.RoutePattern()
				}
				d := time.Since(start)
				status := sw.status
				if status == 0 {
					status = http.StatusOK
				}
				if m != nil {
					m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
					m.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
				}
				l.LogAttrs(ctx, slog.LevelInfo, "http",
					slog.String("method", r.Method), slog.String("route", route),
					slog.String("path", r.URL.Path), slog.Int("status", status),
					slog.Int("bytes", sw.bytes), slog.Duration("duration", d),
					slog.String("remote", r.RemoteAddr))
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

// BodyLimit caps request bodies; reading past the limit yields 413 via
// ReadBody. larger gives other limits to exact paths (uploads).
func BodyLimit(def int64, larger map[string]int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := def
			if l, ok := larger[r.URL.Path]; ok {
				n = l
			}
			if r.ContentLength > n {
				WriteError(w, r, errs.Ef(errs.TooLarge, "Request body is larger than %d bytes", n))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// APIHeaders sets the headers every Zendesk API response carries.
func APIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("X-Zendesk-Api-Version", "v2")
		next.ServeHTTP(&runtimeWriter{ResponseWriter: w, start: start}, r)
	})
}

// runtimeWriter adds X-Runtime just before the header is written.
type runtimeWriter struct {
	http.ResponseWriter
	start time.Time
	done  bool
}

func (rw *runtimeWriter) WriteHeader(code int) {
	if !rw.done {
		rw.done = true
		rw.Header().Set("X-Runtime", strconv.FormatFloat(time.Since(rw.start).Seconds(), 'f', 6, 64))
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *runtimeWriter) Write(b []byte) (int, error) {
	if !rw.done {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriter.Write(b)
}

func (rw *runtimeWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// Suffix is ".json" when the client called the .json form of the path, so
// links we build point back at the same form.
func Suffix(ctx context.Context) string {
	if b, _ := ctx.Value(keyJSONSuffix).(bool); b {
		return ".json"
	}
	return ""
}

// RejectNUL refuses URLs whose path or query holds a NUL character, which
// no record can contain (PostgreSQL text cannot store it).
func RejectNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.IndexByte(r.URL.Path, 0) >= 0 || strings.Contains(r.URL.RawQuery, "%00") || strings.IndexByte(r.URL.RawQuery, 0) >= 0 {
			WriteError(w, r, errs.E(errs.BadRequest, "The URL cannot contain NUL characters").WithCode("InvalidValue"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// StripJSON removes the optional ".json" suffix before routing, so every
// route is registered once and answers both /users/1 and /users/1.json.
func StripJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := strings.CutSuffix(r.URL.Path, ".json"); ok {
			r2 := r.Clone(context.WithValue(r.Context(), keyJSONSuffix, true))
			r2.URL.Path = p
			r2.URL.RawPath = ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// CollapseSlashes routes /api/v2//webhooks like /api/v2/webhooks: a client
// that joins its base URL and a path with a leading slash (node-zendesk's
// webhooks.test does) still reaches the endpoint.
func CollapseSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "//") {
			p := r.URL.Path
			for strings.Contains(p, "//") {
				p = strings.ReplaceAll(p, "//", "/")
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = p, ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}
