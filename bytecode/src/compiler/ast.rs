//! The syntax tree. Every node is allocated in one `bumpalo::Bump` and refers
//! to its children as `&'a` references, so the whole tree is freed at once
//! when the compilation ends.
//!
//! Invariant: a tree handed to code generation is syntactically valid (the
//! parser only returns one when it reported no error), literal integers are
//! within the VM's range, and no expression is deeper than
//! [`super::parser::MAX_NESTING`] (code generation recurses on it), where a
//! left operand continuing a chain of arithmetic operators, or of `and` and
//! `or`, does not add to the depth: such chains may be arbitrarily long, so
//! everything that walks a tree walks them in a loop. The arena is freed
//! without running any destructor, so dropping a tree never recurses.

use super::diagnostics::Pos;

/// The whole program: its top-level functions, in source order.
#[derive(Debug)]
pub struct Program<'a> {
    pub functions: &'a [FnDecl<'a>],
}

#[derive(Debug)]
pub struct FnDecl<'a> {
    pub name: &'a str,
    /// Position of the name.
    pub pos: Pos,
    pub params: &'a [Param<'a>],
    pub body: Block<'a>,
    /// Position of the closing brace (the implicit `return nil`).
    pub end: Pos,
}

#[derive(Clone, Copy, Debug)]
pub struct Param<'a> {
    pub name: &'a str,
    pub pos: Pos,
}

/// The statements of a `{ ... }` block.
pub type Block<'a> = &'a [Stmt<'a>];

#[derive(Clone, Copy, Debug)]
pub struct Stmt<'a> {
    pub kind: StmtKind<'a>,
    /// Position of the statement's first token.
    pub pos: Pos,
}

#[derive(Clone, Copy, Debug)]
pub enum StmtKind<'a> {
    /// `let name = value`
    Let {
        name: &'a str,
        name_pos: Pos,
        value: &'a Expr<'a>,
    },
    /// `name = value`
    Assign {
        name: &'a str,
        name_pos: Pos,
        value: &'a Expr<'a>,
    },
    /// `obj[index] = value`
    SetIndex {
        obj: &'a Expr<'a>,
        index: &'a Expr<'a>,
        value: &'a Expr<'a>,
    },
    /// `if c1 { .. } else if c2 { .. } else { .. }`
    If {
        branches: &'a [(&'a Expr<'a>, Block<'a>)],
        otherwise: Option<Block<'a>>,
    },
    While {
        cond: &'a Expr<'a>,
        body: Block<'a>,
    },
    /// `for var in iter { body }`
    For {
        var: &'a str,
        iter: &'a Expr<'a>,
        body: Block<'a>,
    },
    Break,
    Continue,
    Return(Option<&'a Expr<'a>>),
    Expr(&'a Expr<'a>),
}

#[derive(Clone, Copy, Debug)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    /// The position that names the expression: a literal's or name's first
    /// character, an operator, the `[` of an index, the callee of a call.
    pub pos: Pos,
    /// Height of the tree below this node (1 for a leaf), not counting the
    /// links of left-leaning operator chains (see the module invariant).
    pub depth: u32,
}

#[derive(Clone, Copy, Debug)]
pub enum ExprKind<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
    Nil,
    Bool(bool),
    Array(&'a [&'a Expr<'a>]),
    /// Key/value pairs in source order.
    Map(&'a [(&'a Expr<'a>, &'a Expr<'a>)]),
    Name(&'a str),
    Index {
        obj: &'a Expr<'a>,
        index: &'a Expr<'a>,
    },
    Call {
        callee: &'a Expr<'a>,
        args: &'a [&'a Expr<'a>],
    },
    Unary {
        op: UnOp,
        operand: &'a Expr<'a>,
    },
    Binary {
        op: BinOp,
        lhs: &'a Expr<'a>,
        rhs: &'a Expr<'a>,
    },
    /// `lhs and rhs`: rhs is evaluated only when lhs is truthy.
    And(&'a Expr<'a>, &'a Expr<'a>),
    /// `lhs or rhs`: rhs is evaluated only when lhs is falsy.
    Or(&'a Expr<'a>, &'a Expr<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }

    /// The comparison with its operands swapped: `a < b` is `b > a`.
    pub fn swapped(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::Gt => BinOp::Lt,
            BinOp::Le => BinOp::Ge,
            BinOp::Ge => BinOp::Le,
            other => other,
        }
    }
}

impl<'a> ExprKind<'a> {
    /// The truthiness of a literal (`nil` and `false` are falsy, every other
    /// value truthy); `None` when the expression is not a literal.
    pub fn literal_truthiness(&self) -> Option<bool> {
        match self {
            ExprKind::Nil | ExprKind::Bool(false) => Some(false),
            ExprKind::Bool(true) | ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) => {
                Some(true)
            }
            _ => None,
        }
    }
}

impl<'a> Expr<'a> {
    /// An arithmetic operation (`+ - * / %`): a link of an arithmetic chain.
    pub fn is_arithmetic(&self) -> bool {
        matches!(self.kind, ExprKind::Binary { op, .. } if !op.is_comparison())
    }

    /// `and` or `or`: a link of a logical chain.
    pub fn is_logical(&self) -> bool {
        matches!(self.kind, ExprKind::And(..) | ExprKind::Or(..))
    }

    /// True when `name` occurs anywhere in the expression. Walks with an
    /// explicit stack: operator chains may be arbitrarily long.
    pub fn mentions(&self, name: &str) -> bool {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e.kind {
                ExprKind::Name(n) => {
                    if n == name {
                        return true;
                    }
                }
                ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Str(_)
                | ExprKind::Nil
                | ExprKind::Bool(_) => {}
                ExprKind::Array(items) => stack.extend(items.iter().copied()),
                ExprKind::Map(pairs) => {
                    for &(k, v) in pairs {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                ExprKind::Index { obj, index } => stack.extend([obj, index]),
                ExprKind::Call { callee, args } => {
                    stack.push(callee);
                    stack.extend(args.iter().copied());
                }
                ExprKind::Unary { operand, .. } => stack.push(operand),
                ExprKind::Binary { lhs, rhs, .. }
                | ExprKind::And(lhs, rhs)
                | ExprKind::Or(lhs, rhs) => stack.extend([lhs, rhs]),
            }
        }
        false
    }
}
