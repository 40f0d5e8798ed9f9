package search

import (
	"math/bits"
	"slices"
)

// bitset is a set of ticket numbers.
type bitset []uint64

func (b *bitset) set(id int64) {
	w := int(id >> 6)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w-len(*b)+1)...)
	}
	(*b)[w] |= 1 << (uint(id) & 63)
}

func (b bitset) has(id int64) bool {
	w := int(id >> 6)
	return id >= 0 && w < len(b) && b[w]&(1<<(uint(id)&63)) != 0
}

func (b bitset) clone() bitset { return slices.Clone(b) }

func (b bitset) clearRange(lo, hi int64) {
	for id := lo; id <= hi && int(id>>6) < len(b); id++ {
		b[id>>6] &^= 1 << (uint(id) & 63)
	}
}

func (b *bitset) and(o bitset) {
	if len(o) < len(*b) {
		*b = (*b)[:len(o)]
	}
	for i := range *b {
		(*b)[i] &= o[i]
	}
}

func (b bitset) andNot(o bitset) {
	for i := range min(len(b), len(o)) {
		b[i] &^= o[i]
	}
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) ids() []int64 {
	out := make([]int64, 0, b.count())
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			out = append(out, int64(i)<<6|int64(t))
			w &= w - 1
		}
	}
	return out
}
