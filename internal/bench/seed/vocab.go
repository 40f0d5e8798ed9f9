package seed

// Word lists the generator composes names, subjects and bodies from. The
// support vocabulary is drawn with a Zipf-like skew, so common words
// (printer, password, invoice) match many tickets and rare ones few, as
// in a real help desk; text search then has realistic selectivity.

var firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
	"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald",
	"Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol",
	"Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Lucia", "Mateo", "Sofia",
	"Giulia", "Marco", "Elena", "Hiroshi", "Yuki", "Priya", "Arjun", "Fatima", "Omar", "Ingrid", "Lars", "Chloe", "Noah"}

var lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
	"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
	"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
	"Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Rossi", "Bianchi", "Tanaka", "Sato", "Patel", "Khan", "Berg",
	"Dubois", "Novak", "Kowalski"}

var orgWords = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne",
	"Soylent", "Wonka", "Gringotts", "Oscorp", "Aperture", "Massive", "Dynamic", "Blue", "Northwind", "Contoso", "Fabrikam",
	"Tailspin", "Litware", "Proseware", "Adventure", "Alpine", "Coho", "Fourth", "Lucerne", "Margie", "Southridge", "Wingtip",
	"Woodgrove", "Pinnacle", "Summit", "Evergreen", "Silver", "Golden", "Red", "Green"}

var orgKinds = []string{"Industries", "Corp", "Labs", "Systems", "Logistics", "Foods", "Travel", "Retail", "Health",
	"Media", "Energy", "Consulting", "Bank", "Insurance", "Motors", "Software", "Hotels", "Airlines", "Outfitters", "Studios"}

var mailDomains = []string{"example.com", "example.net", "example.org", "mail.example", "inbox.example"}

// groupNames are the seeded groups; agents are spread over them.
var groupNames = []string{"Tier 1 Support", "Billing", "Technical Support", "Shipping", "Returns"}

// products are the options of the Product dropdown field.
var products = []string{"Laser Printer", "Inkjet Printer", "Scanner", "Laptop", "Desktop", "Monitor", "Router",
	"Mobile App", "Web Portal", "Subscription"}

// topics are the things customers write about, most common first.
var topics = []string{"printer", "password", "invoice", "refund", "login", "shipping", "order", "account", "payment",
	"delivery", "subscription", "email", "laptop", "screen", "battery", "charger", "keyboard", "router", "wifi", "app",
	"update", "license", "card", "coupon", "discount", "warranty", "return", "exchange", "tracking", "address", "report",
	"export", "dashboard", "sync", "calendar", "notification", "backup", "upload", "download", "scanner", "monitor",
	"mouse", "headset", "camera", "microphone", "speaker", "cable", "adapter", "driver", "firmware", "browser",
	"extension", "profile", "settings", "permissions", "integration", "api", "webhook", "token", "certificate",
	"domain", "server", "database", "storage", "quota", "plan", "upgrade", "downgrade", "cancellation", "trial",
	"receipt", "statement", "tax", "vat", "currency", "bank", "transfer", "voucher", "gift", "loyalty", "points",
	"package", "parcel", "courier", "customs", "pickup", "warehouse", "stock", "backorder", "preorder", "catalog",
	"price", "quote", "contract", "renewal", "toner", "cartridge", "paper", "fax", "phone", "tablet"}

// problems complete a subject after its topic.
var problems = []string{"not working", "keeps crashing", "was charged twice", "never arrived", "cannot be reset",
	"shows an error", "is missing", "is very slow", "stopped syncing", "is wrong", "did not go through",
	"needs to be changed", "is damaged", "will not turn on", "is locked", "expired", "was cancelled by mistake",
	"arrived late", "is not recognised", "disappeared after the update"}

// openers, middles and closers make comment bodies; %s is a topic.
var openers = []string{
	"Hello, I have a problem with my %s.",
	"Hi team, my %s stopped working this morning.",
	"Good afternoon, I need help with the %s on my account.",
	"Hi, I am writing about the %s I ordered last week.",
	"Hello support, since yesterday the %s shows an error.",
	"Dear support, I cannot use the %s anymore.",
	"Hi there, quick question about my %s.",
}

var middles = []string{
	"I already tried restarting it, but the %s still does not work.",
	"The %s worked fine until the last update.",
	"I was told the %s would be fixed by now.",
	"Could you check what happened with the %s?",
	"My colleague has the same issue with the %s.",
	"I attached the details of the %s to this message.",
	"This is urgent because the %s is needed for our customers.",
	"The error mentions the %s and then nothing happens.",
	"I followed the article about the %s but it did not help.",
	"Please send me a replacement %s or a refund.",
}

var closers = []string{"Thanks in advance.", "Best regards.", "Thank you for your help.", "Kind regards.",
	"Looking forward to your answer.", "Cheers."}

var replies = []string{
	"Thanks for reaching out. I have checked the %s and applied a fix on our side.",
	"Sorry for the trouble with the %s. Could you send us a screenshot of the error?",
	"I have escalated the %s issue to our technical team.",
	"Your %s has been updated. Please try again and let us know.",
	"We have issued a refund for the %s; it should appear in 3 to 5 business days.",
	"Please reset the %s from the settings page and sign in again.",
	"A replacement %s is on its way; you will receive a tracking number by email.",
}

var notes = []string{
	"Internal: customer is a repeat contact about the %s.",
	"Internal: checked the logs, the %s failure matches a known bug.",
	"Internal: waiting on the vendor for the %s.",
}

var followups = []string{
	"Thanks, that fixed the %s.",
	"The %s still does not work, can you check again?",
	"Here is the screenshot of the %s error you asked for.",
	"Any news about my %s?",
}

// tagQualifiers combine with topics into the tag vocabulary.
var tagQualifiers = []string{"issue", "question", "request"}

// baseTags are tags that are not about a topic.
var baseTags = []string{"vip", "urgent", "follow_up", "escalated", "first_contact", "repeat_contact", "bug",
	"feature_request", "billing", "technical", "sales", "feedback", "complaint", "praise", "spam", "duplicate",
	"needs_info", "waiting_vendor", "known_issue", "workaround", "mobile", "desktop", "web", "email_channel",
	"phone_channel", "chat_channel", "enterprise", "smb", "trial_user", "churn_risk"}

// tagVocabulary is ~200 distinct tags, most common first.
func tagVocabulary() []string {
	out := append([]string{}, baseTags[:10]...)
	for i, t := range topics {
		out = append(out, t)
		if i < 25 {
			out = append(out, t+"_"+tagQualifiers[i%len(tagQualifiers)])
		}
	}
	out = append(out, baseTags[10:]...)
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}
