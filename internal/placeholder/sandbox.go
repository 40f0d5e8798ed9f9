package placeholder

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	e "github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/filters"
	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/values"
)

// The sandbox. Templates are written by account admins and rendered inside
// ticket writes, so a template must not read files, run for long or grow
// without bound. Liquid's standard tag set includes {% include %} (reads
// files) and lazy ranges that a loop can walk a billion times, and it cannot
// replace a standard block, so the engine here is assembled from the
// library's public parts: its parser, expressions and standard filters, and
// the control-flow tags below, which follow the library's own
// (github.com/osteele/liquid v1.6.0 tags package, MIT licence) with an
// iteration, time and size budget added.

// Limits of one render.
const (
	// MaxTemplate is the longest template accepted, in bytes.
	MaxTemplate = 64 << 10
	// MaxOutput is the most a render may write, in bytes.
	MaxOutput = 512 << 10
	// MaxIterations bounds the loop iterations of one render, all loops
	// together.
	MaxIterations = 10000
	// MaxValue bounds a string built by assign, capture or a string filter.
	MaxValue = 512 << 10
	// MaxDuration bounds the time of one render.
	MaxDuration = time.Second
)

// ErrLimit is wrapped by render errors caused by a sandbox limit.
var ErrLimit = errors.New("template exceeds a sandbox limit")

// budgetKey holds the render's budget in the bindings; no template can
// name it (it is not an identifier).
const budgetKey = "\x00budget"

type budget struct {
	iterations int
	deadline   time.Time
	out        *capWriter
}

func (b *budget) step() error {
	b.iterations++
	if b.iterations > MaxIterations {
		return fmt.Errorf("%w: more than %d loop iterations", ErrLimit, MaxIterations)
	}
	if b.iterations%64 == 0 && time.Now().After(b.deadline) {
		return fmt.Errorf("%w: rendering took longer than %s", ErrLimit, MaxDuration)
	}
	if b.out.over {
		return fmt.Errorf("%w: output longer than %d bytes", ErrLimit, MaxOutput)
	}
	return nil
}

func budgetOf(ctx render.Context) *budget {
	b, _ := ctx.Get(budgetKey).(*budget)
	if b == nil {
		// Not reachable through Render; be safe anyway.
		b = &budget{deadline: time.Now().Add(MaxDuration), out: &capWriter{w: io.Discard}}
	}
	return b
}

// capWriter keeps the first MaxOutput bytes and notes that more came. It
// never fails a write: the library panics on writer errors at flush.
type capWriter struct {
	w    io.Writer
	n    int
	over bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.over {
		return len(p), nil
	}
	room := MaxOutput - c.n
	if len(p) > room {
		c.over = true
		_, _ = c.w.Write(p[:room])
		c.n = MaxOutput
		return len(p), nil
	}
	c.n += len(p)
	_, _ = c.w.Write(p)
	return len(p), nil
}

// config is the sandboxed Liquid configuration (built once; read-only).
var config = sync.OnceValue(newConfig)

func newConfig() *render.Config {
	c := render.NewConfig()
	g := guarded{&c}
	filters.AddStandardFilters(g)
	// String filters that can grow a value are capped.
	g.AddFilter("append", func(s, suffix string) (string, error) { return capped(s + suffix) })
	g.AddFilter("prepend", func(s, prefix string) (string, error) { return capped(prefix + s) })
	g.AddFilter("replace", func(s, old, repl string) (string, error) { return cappedReplace(s, old, repl, -1) })
	g.AddFilter("replace_first", func(s, old, repl string) (string, error) { return cappedReplace(s, old, repl, 1) })
	g.AddFilter("join", func(a []any, sep func(string) string) (string, error) {
		parts := make([]string, 0, len(a))
		for _, x := range a {
			if x != nil {
				parts = append(parts, fmt.Sprint(x))
			}
		}
		return capped(strings.Join(parts, sep(" ")))
	})

	c.AddTag("assign", assignTag)
	c.AddTag("include", forbidden("include"))
	c.AddTag("render", forbidden("render"))
	c.AddTag("break", func(string) (func(io.Writer, render.Context) error, error) {
		return func(_ io.Writer, ctx render.Context) error { return ctx.WrapError(errBreak) }, nil
	})
	c.AddTag("continue", func(string) (func(io.Writer, render.Context) error, error) {
		return func(_ io.Writer, ctx render.Context) error { return ctx.WrapError(errContinue) }, nil
	})
	c.AddTag("cycle", cycleTag)
	c.AddBlock("capture").Compiler(captureCompiler)
	c.AddBlock("case").Clause("when").Clause("else").Compiler(caseCompiler)
	c.AddBlock("comment")
	c.AddBlock("for").Clause("else").Compiler(loopCompiler)
	c.AddBlock("if").Clause("else").Clause("elsif").Compiler(ifCompiler(true))
	c.AddBlock("raw")
	c.AddBlock("tablerow").Compiler(loopCompiler)
	c.AddBlock("unless").Clause("else").Compiler(ifCompiler(false))
	return &c
}

// guarded registers filters behind a check that no argument is a huge lazy
// range: a filter turns its range arguments into arrays, so
// {{ (1..1000000000) | join }} would allocate a billion elements.
type guarded struct{ c *render.Config }

func (g guarded) AddFilter(name string, fn any) {
	orig := reflect.ValueOf(fn)
	g.c.AddFilter(name, func(args ...any) (any, error) {
		for _, a := range args {
			if r, ok := a.(values.Range); ok && r.Len() > MaxIterations {
				return nil, fmt.Errorf("%w: a range of more than %d items", ErrLimit, MaxIterations)
			}
		}
		return values.Call(orig, args)
	})
}

func capped(s string) (string, error) {
	if len(s) > MaxValue {
		return "", fmt.Errorf("%w: a value longer than %d bytes", ErrLimit, MaxValue)
	}
	return s, nil
}

func cappedReplace(s, old, repl string, n int) (string, error) {
	if old == "" {
		return s, nil
	}
	count := strings.Count(s, old)
	if n == 1 && count > 1 {
		count = 1
	}
	if len(s)+count*(len(repl)-len(old)) > MaxValue {
		return "", fmt.Errorf("%w: a value longer than %d bytes", ErrLimit, MaxValue)
	}
	return strings.Replace(s, old, repl, n), nil
}

func forbidden(name string) render.TagCompiler {
	return func(string) (func(io.Writer, render.Context) error, error) {
		return nil, fmt.Errorf("the %s tag is not allowed in placeholders", name)
	}
}

var (
	errBreak    = errors.New("break outside a loop")
	errContinue = errors.New("continue outside a loop")
)

// cause unwraps the library's error wrappers.
func cause(err error) error {
	for {
		c, ok := err.(interface{ Cause() error })
		if !ok {
			return err
		}
		next := c.Cause()
		if next == nil || next == err {
			return err
		}
		err = next
	}
}

func assignTag(source string) (func(io.Writer, render.Context) error, error) {
	stmt, err := e.ParseStatement(e.AssignStatementSelector, source)
	if err != nil {
		return nil, err
	}
	return func(_ io.Writer, ctx render.Context) error {
		v, err := ctx.Evaluate(stmt.Assignment.ValueFn)
		if err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			if _, err := capped(s); err != nil {
				return ctx.WrapError(err)
			}
		}
		ctx.Set(stmt.Assignment.Variable, v)
		return nil
	}, nil
}

func captureCompiler(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	name := strings.TrimSpace(node.Args)
	return func(_ io.Writer, ctx render.Context) error {
		var sb strings.Builder
		cw := &capWriter{w: &sb}
		// MaxOutput >= MaxValue: a capture may hold no more than a value.
		if err := ctx.RenderChildren(cw); err != nil {
			return err
		}
		if cw.over || sb.Len() > MaxValue {
			return ctx.WrapError(fmt.Errorf("%w: a value longer than %d bytes", ErrLimit, MaxValue))
		}
		ctx.Set(name, sb.String())
		return nil
	}, nil
}

func cycleTag(args string) (func(io.Writer, render.Context) error, error) {
	stmt, err := e.ParseStatement(e.CycleStatementSelector, args)
	if err != nil {
		return nil, err
	}
	cycle := stmt.Cycle
	return func(w io.Writer, ctx render.Context) error {
		loop, ok := ctx.Get(forloopVar).(map[string]any)
		if !ok {
			return ctx.Errorf("cycle must be within a forloop")
		}
		counts, ok := loop[".cycles"].(map[string]int)
		if !ok {
			return ctx.Errorf("cycle must be within a forloop")
		}
		n := counts[cycle.Group]
		counts[cycle.Group] = n + 1
		_, err := io.WriteString(w, cycle.Values[n%len(cycle.Values)])
		return err
	}, nil
}

func caseCompiler(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	expr, err := e.Parse(node.Args)
	if err != nil {
		return nil, err
	}
	type branch struct {
		exprs []e.Expression // nil: else
		body  *render.BlockNode
	}
	var branches []branch
	for _, c := range node.Clauses {
		if c.Name == "when" {
			stmt, err := e.ParseStatement(e.WhenStatementSelector, c.Args)
			if err != nil {
				return nil, err
			}
			branches = append(branches, branch{stmt.When.Exprs, c})
			continue
		}
		branches = append(branches, branch{nil, c})
	}
	return func(w io.Writer, ctx render.Context) error {
		sel, err := ctx.Evaluate(expr)
		if err != nil {
			return err
		}
		for _, b := range branches {
			if b.exprs == nil {
				return ctx.RenderBlock(w, b.body)
			}
			for _, x := range b.exprs {
				v, err := ctx.Evaluate(x)
				if err != nil {
					return err
				}
				if values.Equal(sel, v) {
					return ctx.RenderBlock(w, b.body)
				}
			}
		}
		return nil
	}, nil
}

func ifCompiler(polarity bool) render.BlockCompiler {
	return func(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
		type branch struct {
			test e.Expression
			body *render.BlockNode
		}
		expr, err := e.Parse(node.Args)
		if err != nil {
			return nil, err
		}
		if !polarity {
			expr = e.Not(expr)
		}
		branches := []branch{{expr, &node}}
		for _, c := range node.Clauses {
			test := e.Constant(true)
			if c.Name == "elsif" {
				if test, err = e.Parse(c.Args); err != nil {
					return nil, err
				}
			}
			branches = append(branches, branch{test, c})
		}
		return func(w io.Writer, ctx render.Context) error {
			for _, b := range branches {
				v, err := ctx.Evaluate(b.test)
				if err != nil {
					return err
				}
				if v != nil && v != false {
					return ctx.RenderBlock(w, b.body)
				}
			}
			return nil
		}, nil
	}
}

const forloopVar = "forloop"

type iterable interface {
	Len() int
	Index(int) any
}

func loopCompiler(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	stmt, err := e.ParseStatement(e.LoopStatementSelector, node.Args)
	if err != nil {
		return nil, err
	}
	if len(node.Clauses) > 1 {
		return nil, errors.New("for loops accept at most one else clause")
	}
	loop := stmt.Loop
	table := node.Name == "tablerow"
	return func(w io.Writer, ctx render.Context) error {
		v, err := ctx.Evaluate(loop.Expr)
		if err != nil {
			return err
		}
		it := iterator(v)
		if it == nil {
			it = emptyIter{}
		}
		if it, err = modifiers(loop, ctx, it); err != nil {
			return err
		}
		if it.Len() == 0 {
			if len(node.Clauses) == 1 && node.Clauses[0].Name == "else" {
				return ctx.RenderBlock(w, node.Clauses[0])
			}
			return nil
		}
		cols := math.MaxInt32
		if table && loop.Cols != nil {
			cv, err := ctx.Evaluate(loop.Cols)
			if err != nil {
				return err
			}
			n, ok := cv.(int)
			if !ok {
				return ctx.Errorf("loop cols must be an integer")
			}
			if n > 0 {
				cols = n
			}
		}
		b := budgetOf(ctx)
		defer func(fl, v any) {
			ctx.Set(forloopVar, fl)
			ctx.Set(loop.Variable, v)
		}(ctx.Get(forloopVar), ctx.Get(loop.Variable))
		cycles := map[string]int{}
		for i, l := 0, it.Len(); i < l; i++ {
			if err := b.step(); err != nil {
				return ctx.WrapError(err)
			}
			ctx.Set(loop.Variable, it.Index(i))
			ctx.Set(forloopVar, map[string]any{
				"first": i == 0, "last": i == l-1, "index": i + 1, "index0": i,
				"rindex": l - i, "rindex0": l - i - 1, "length": l, ".cycles": cycles,
			})
			if table {
				row, col := i/cols, i%cols
				if col == 0 {
					fmt.Fprintf(w, `<tr class="row%d">`, row+1)
				}
				fmt.Fprintf(w, `<td class="col%d">`, col+1)
			}
			err := ctx.RenderChildren(w)
			if table {
				_, _ = io.WriteString(w, `</td>`)
				if (i+1)%cols == 0 || i+1 == l {
					_, _ = io.WriteString(w, `</tr>`)
				}
			}
			if err != nil {
				switch c := cause(err); {
				case c == errBreak:
					return nil
				case c == errContinue:
					continue
				default:
					return err
				}
			}
		}
		return nil
	}, nil
}

func modifiers(loop e.Loop, ctx render.Context, it iterable) (iterable, error) {
	if loop.Reversed {
		it = reversed{it}
	}
	if loop.Offset != nil {
		v, err := ctx.Evaluate(loop.Offset)
		if err != nil {
			return nil, err
		}
		n, ok := v.(int)
		if !ok {
			return nil, ctx.Errorf("loop offset must be an integer")
		}
		if n > 0 {
			it = offset{it, n}
		}
	}
	if loop.Limit != nil {
		v, err := ctx.Evaluate(loop.Limit)
		if err != nil {
			return nil, err
		}
		n, ok := v.(int)
		if !ok {
			return nil, ctx.Errorf("loop limit must be an integer")
		}
		if n >= 0 {
			it = limit{it, n}
		}
	}
	return it, nil
}

func iterator(v any) iterable {
	if it, ok := v.(iterable); ok {
		return it
	}
	if v == nil {
		return nil
	}
	v = values.ToLiquid(v)
	switch reflect.TypeOf(v).Kind() {
	case reflect.Array, reflect.Slice:
		return sliceIter(reflect.ValueOf(v))
	case reflect.Map:
		rv := reflect.ValueOf(v)
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i].Interface()) < fmt.Sprint(keys[j].Interface()) })
		pairs := make([][]any, len(keys))
		for i, k := range keys {
			pairs[i] = []any{k.Interface(), rv.MapIndex(k).Interface()}
		}
		return sliceIter(reflect.ValueOf(pairs))
	}
	return nil
}

type emptyIter struct{}

func (emptyIter) Len() int      { return 0 }
func (emptyIter) Index(int) any { return nil }

type sliceIter reflect.Value

func (s sliceIter) Len() int        { return reflect.Value(s).Len() }
func (s sliceIter) Index(i int) any { return reflect.Value(s).Index(i).Interface() }

type limit struct {
	it iterable
	n  int
}

func (l limit) Len() int        { return min(l.n, l.it.Len()) }
func (l limit) Index(i int) any { return l.it.Index(i) }

type offset struct {
	it iterable
	n  int
}

func (o offset) Len() int        { return max(0, o.it.Len()-o.n) }
func (o offset) Index(i int) any { return o.it.Index(i + o.n) }

type reversed struct{ it iterable }

func (r reversed) Len() int        { return r.it.Len() }
func (r reversed) Index(i int) any { return r.it.Index(r.it.Len() - 1 - i) }
