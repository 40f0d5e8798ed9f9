package search

import (
	"context"
	"strings"
)

// SearchIDs runs query restricted to one result type and returns one page
// of matching ids in result order with the total. The people room uses it
// for /users/search?query= so that endpoint speaks the whole language.
func (s *Service) SearchIDs(ctx context.Context, resultType, query string, page, perPage int) ([]int64, int64, error) {
	hits, total, err := s.Search(ctx, Request{Query: "type:" + resultType + " " + strings.TrimSpace(query), Page: page, PerPage: perPage})
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids, total, nil
}
