package search

import (
	"context"

	"parley/internal/auth"
	"parley/internal/platform/db"
	"parley/internal/platform/httpx"
	"parley/internal/ticket"
	"parley/internal/user"
)

// Render loads the records of hits through the rooms that own them and
// returns their API objects, in the order of hits, each with result_type
// added. A record deleted since the search is left out.
//
// Each record is rendered by the room that owns it (ticket.JSON, the
// user room's RenderUsers, RenderOrganizations and GroupJSON), so search
// results are exactly what GET of that record returns.
func (s *Service) Render(ctx context.Context, hits []Hit) ([]httpx.M, error) {
	ids := map[ResultType][]int64{}
	for _, h := range hits {
		ids[h.Type] = append(ids[h.Type], h.ID)
	}
	objs := map[Hit]httpx.M{}
	page := func(n int) db.Page { return db.Page{Limit: n} }
	if list := ids[ResultTicket]; len(list) > 0 {
		ts, _, _, err := s.tickets.List(ctx, ticket.Filter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			objs[Hit{ResultTicket, t.ID}] = ticket.JSON(ctx, t)
		}
	}
	if list := ids[ResultUser]; len(list) > 0 {
		us, _, _, err := s.users.ListUsers(ctx, user.Filter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for i, m := range s.users.RenderUsers(ctx, auth.ActorFrom(ctx).AccountID, us) {
			objs[Hit{ResultUser, us[i].ID}] = m
		}
	}
	if list := ids[ResultOrganization]; len(list) > 0 {
		os, _, _, err := s.users.ListOrganizations(ctx, user.OrgFilter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for i, m := range s.users.RenderOrganizations(ctx, auth.ActorFrom(ctx).AccountID, os) {
			objs[Hit{ResultOrganization, os[i].ID}] = m
		}
	}
	if list := ids[ResultGroup]; len(list) > 0 {
		gs, _, _, err := s.users.ListGroups(ctx, user.GroupFilter{IDs: list}, page(len(list)))
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			objs[Hit{ResultGroup, g.ID}] = user.GroupJSON(ctx, g)
		}
	}
	out := make([]httpx.M, 0, len(hits))
	for _, h := range hits {
		if m, ok := objs[h]; ok {
			m["result_type"] = string(h.Type)
			out = append(out, m)
		}
	}
	return out, nil
}
