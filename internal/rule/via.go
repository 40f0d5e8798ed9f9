package rule

import "sort"

// viaIDs are the numeric via ids of §2.6, keyed by the channel names
// tickets store (web, email, api, ...) and by Zendesk's via type names
// (web_form, mail, web_service, ...), which are accepted as aliases.
var viaIDs = map[string]int{
	"web": 0, "web_form": 0,
	"email": 4, "mail": 4,
	"api": 5, "web_service": 5,
	"rule": 8, "linked_problem": 9, "group_deletion": 10, "user_change": 11, "user_deletion": 12,
	"group_change": 13, "resource_push": 14, "iphone": 15, "get_satisfaction": 16, "dropbox": 17,
	"merge": 19, "batch": 20, "recovered_from_suspended_tickets": 21, "automatic_solution_suggestions": 22,
	"twitter_favorite": 23, "topic": 24, "user_merge": 25, "twitter_dm": 26, "closed_ticket": 27,
	"logmein_rescue": 28, "chat": 29, "twitter": 30, "ticket_sharing": 31, "macro_reference": 32,
	"voicemail": 33, "voice": 34, "phone_call_inbound": 34, "phone_call_outbound": 35, "blog": 36,
	"text_message": 37, "facebook_post": 38, "facebook": 38, "import": 39, "github": 40, "facebook_message": 41,
	"api_voicemail": 44, "api_phone_call_inbound": 45, "api_phone_call_outbound": 46,
	"web_widget": 48, "mobile_sdk": 49, "helpcenter": 50, "sample_ticket": 51, "sample_interactive_ticket": 52,
	"admin_setting": 53, "satisfaction_prediction": 54, "any_channel": 55, "mobile": 56, "sms": 57,
}

// viaNames is the channel name tickets use for each via id: the first
// name of viaIDs in this preference order, so reads say "email", not "mail".
var viaNames = func() map[int]string {
	preferred := []string{"web", "email", "api", "voice", "facebook"}
	m := map[int]string{}
	for _, n := range preferred {
		m[viaIDs[n]] = n
	}
	names := make([]string, 0, len(viaIDs))
	for n := range viaIDs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := m[viaIDs[n]]; !ok {
			m[viaIDs[n]] = n
		}
	}
	return m
}()

// ViaName is the channel name of a numeric via id ("email" for 4), or ""
// for an id without one.
func ViaName(id int) string { return viaNames[id] }

// ViaNumber is the numeric via id of a channel name ("email" and "mail"
// are 4), or -1 for a name Zendesk does not define.
func ViaNumber(name string) int {
	if n, ok := viaIDs[name]; ok {
		return n
	}
	return -1
}

// viaChannels lists every name whose via id is n: what a stored
// via_channel may hold for a ticket with that via id.
func viaChannels(n int) []string {
	var out []string
	for name, v := range viaIDs {
		if v == n {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// localeIDs maps the locale names users store to Zendesk's numeric locale
// ids, as internal/user renders them (a user without a locale, or with
// one not listed here, has locale id 1, en-US). Keep the two in step.
var localeIDs = map[string]int64{"en-US": 1, "es": 2, "de": 8, "fr": 16, "it": 22, "pt-BR": 19, "nl": 9, "ja": 67, "en-GB": 1176}

// defaultLocaleID is the locale id of a user without a known locale.
const defaultLocaleID = 1

// LocaleID is the numeric locale id of a user's stored locale (nil or
// unknown: 1, en-US). Mappers fill Ticket.LocaleID with it.
func LocaleID(locale *string) int64 {
	if locale == nil {
		return defaultLocaleID
	}
	if n, ok := localeIDs[*locale]; ok {
		return n
	}
	return defaultLocaleID
}
