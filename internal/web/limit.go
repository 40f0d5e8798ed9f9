package web

import (
	"io"
	"net/http"
	"strconv"
)

// LimitBody caps what an HTML form may send. limit(r) is the largest body
// the page of r takes. A body announced larger is refused with 413 before
// any of it is read; one that turns out larger while it is read (no
// Content-Length) stops being read at the limit, and whatever the
// handlers then answer (the CSRF check, or a form that could not be
// read) is replaced by the same 413 page, so nothing half-read is kept.
func LimitBody(limit func(r *http.Request) int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := limit(r)
			if r.ContentLength > n {
				tooLarge(w, r, n)
				return
			}
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			body := &cappedBody{rc: r.Body, limit: n, left: n}
			r.Body = body
			next.ServeHTTP(&cappedWriter{ResponseWriter: w, r: r, body: body, limit: n}, r)
		})
	}
}

// tooLarge answers 413 with a page saying what to do, and closes the
// connection rather than read the rest of the upload.
func tooLarge(w http.ResponseWriter, r *http.Request, n int64) {
	w.Header().Set("Connection", "close")
	Render(w, r, http.StatusRequestEntityTooLarge, ErrorPage(NewPage(r, "Too large to send", ""),
		"What you sent is larger than the "+sizeText(n)+" this page takes, so none of it was saved. "+
			"Go back, attach fewer or smaller files, and send it again."))
}

// sizeText says a byte count the way people read it.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// cappedBody reads at most left bytes and remembers that the body went
// past them.
type cappedBody struct {
	rc    io.ReadCloser
	limit int64
	left  int64
	over  bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, &http.MaxBytesError{Limit: b.limit}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.over, n = true, int(b.left)
		b.left = 0
		return n, &http.MaxBytesError{Limit: b.limit}
	}
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// cappedWriter replaces the handlers' answer with the 413 page once the
// body went past the limit.
type cappedWriter struct {
	http.ResponseWriter
	r        *http.Request
	body     *cappedBody
	limit    int64
	replaced bool
	wrote    bool
}

func (w *cappedWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.body.over {
		w.replaced = true
		h := w.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		tooLarge(w.ResponseWriter, w.r, w.limit)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *cappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
