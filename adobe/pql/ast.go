package pql

// Node is a PQL syntax tree node. Pos is the byte offset where it starts.
type Node interface{ Pos() int }

type (
	// Lit is a literal: Kind is "string", "number", "bool" or "null".
	Lit struct {
		At   int
		Kind string
		Val  string
	}
	// Ident is a bare name: the start of a path, or a keyword used as a value
	// (now, today).
	Ident struct {
		At   int
		Name string
	}
	// Param is $1, $2…: the query's parameters ($1 is the profile).
	Param struct {
		At int
		N  string
	}
	// ContextRef is @{schema}: the context data of the decision request.
	ContextRef struct {
		At     int
		Schema string
	}
	// Member is X.Name.
	Member struct {
		At   int
		X    Node
		Name string
	}
	// Index is X[I].
	Index struct {
		At  int
		X   Node
		Idx Node
	}
	// Call is Name(Args) when Recv is nil, else Recv.Name(Args).
	Call struct {
		At   int
		Recv Node
		Name string
		Args []Node
	}
	// Unary is "not X", "!X" or "-X".
	Unary struct {
		At int
		Op string
		X  Node
	}
	// Binary is X Op Y: or, and, = != < <= > >=, + - * / %, in, notIn, like.
	Binary struct {
		At   int
		Op   string
		X, Y Node
	}
	// List is [a, b, …].
	List struct {
		At    int
		Items []Node
	}
	// Quant is "exists V from X where C" or "forall …".
	Quant struct {
		At   int
		Kind string
		Var  string
		From Node
		Cond Node
	}
	// Lambda is "(V) => Body": V names the profile.
	Lambda struct {
		At   int
		Var  string
		Body Node
	}
	// Occurs is a date test, "X occurs …". Form is one of:
	//   "rel":     X occurs Cmp N Unit Dir T   (<= 3 days before now)
	//   "dir":     X occurs Dir T              (before today)
	//   "on":      X occurs [on] T             (on date(2026, 1, 1))
	//   "between": X occurs between T and T2
	//   "period":  X occurs Which Unit         (last month)
	Occurs struct {
		At     int
		X      Node
		Form   string
		Cmp    string
		N      Node
		Unit   string
		Dir    string
		T, T2  Node
		Which  string
		UnitAt int
	}
)

func (n *Lit) Pos() int        { return n.At }
func (n *Ident) Pos() int      { return n.At }
func (n *Param) Pos() int      { return n.At }
func (n *ContextRef) Pos() int { return n.At }
func (n *Member) Pos() int     { return n.At }
func (n *Index) Pos() int      { return n.At }
func (n *Call) Pos() int       { return n.At }
func (n *Unary) Pos() int      { return n.At }
func (n *Binary) Pos() int     { return n.At }
func (n *List) Pos() int       { return n.At }
func (n *Quant) Pos() int      { return n.At }
func (n *Lambda) Pos() int     { return n.At }
func (n *Occurs) Pos() int     { return n.At }
