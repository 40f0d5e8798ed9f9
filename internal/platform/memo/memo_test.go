package memo

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCache(c *clock, costly time.Duration) *Cache[int] {
	return &Cache[int]{Keep: func(_ int, took time.Duration) bool { return took >= costly }, TTL: 30 * time.Second, Stale: 5 * time.Minute, Max: 3, Timeout: time.Second, Now: c.now}
}

func TestCheapValuesAreNotKept(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := newCache(c, time.Hour)
	n := 0
	for i := 1; i <= 3; i++ {
		v, fresh, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { n++; return n, nil })
		if err != nil || v != i || !fresh {
			t.Fatalf("get %d = %d %v %v, want %d computed", i, v, fresh, err, i)
		}
	}
}

func TestTTLStaleAndBackgroundRefresh(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := newCache(c, 0)
	var n atomic.Int64
	compute := func(context.Context) (int, error) { return int(n.Add(1)), nil }
	get := func() (int, bool) {
		v, fresh, err := m.Get(context.Background(), "k", compute)
		if err != nil {
			t.Fatal(err)
		}
		return v, fresh
	}
	if v, fresh := get(); v != 1 || !fresh {
		t.Fatalf("first = %d %v", v, fresh)
	}
	c.add(29 * time.Second)
	if v, fresh := get(); v != 1 || fresh {
		t.Fatalf("at 29 s = %d %v, want the kept 1", v, fresh)
	}
	c.add(time.Second)
	if v, fresh := get(); v != 1 || fresh {
		t.Fatalf("at 30 s = %d %v, want the stale 1 while it refreshes", v, fresh)
	}
	// A read of the stale value just as the first refresh lands may start
	// a second one, so the value that lands is 2 or, rarely, 3 (the test
	// once waited for 2 alone, and under load saw 3 and waited in vain).
	deadline := time.Now().Add(5 * time.Second)
	landed, _ := get()
	for ; landed == 1; landed, _ = get() {
		if time.Now().After(deadline) {
			t.Fatal("the background refresh never landed")
		}
		time.Sleep(time.Millisecond)
	}
	c.add(5 * time.Minute)
	if v, fresh := get(); v <= landed || !fresh {
		t.Fatalf("past Stale = %d %v, want a value newer than %d computed by the request", v, fresh, landed)
	}
}

func TestConcurrentMissesComputeOnce(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := newCache(c, 0)
	var n atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Get(context.Background(), "k", func(context.Context) (int, error) {
				<-release
				return int(n.Add(1)), nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("computed %d times, want 1", n.Load())
	}
}

func TestMaxStartsOver(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := newCache(c, 0)
	for _, k := range []string{"a", "b", "c", "d"} {
		m.Get(context.Background(), k, func(context.Context) (int, error) { return 1, nil })
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) != 1 {
		t.Errorf("%d entries after passing Max, want 1 (started over)", len(m.m))
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	m := newCache(c, 0)
	_, _, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { return 0, context.Canceled })
	if err == nil {
		t.Fatal("want the error")
	}
	v, fresh, err := m.Get(context.Background(), "k", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 || !fresh {
		t.Errorf("after an error = %d %v %v, want 7 computed", v, fresh, err)
	}
}
