//! The parser: tokens to a syntax tree, by recursive descent, one function per
//! precedence level (see `docs/language.md` for the grammar).
//!
//! Newlines end statements, except inside `( )`, `[ ]` and map literals'
//! `{ }` (tracked by `nl_skip`) and after a binary operator, a comma, `=` or
//! `not`, where the parser skips them. Each syntax error is reported once;
//! the parser then resynchronises at the next statement boundary (newline,
//! `;` or `}`), or at the next `fn` when the error is at the top level.
//!
//! Nesting is counted twice over, each against [`MAX_NESTING`]: blocks inside
//! a function's body (`blocks`), and expressions inside a statement
//! (`exprs`: parentheses, brackets, call arguments, `not` and unary `-`).
//! Each syntax tree node also records its depth, the recursion code
//! generation will need for it; a chain of left-associative operators
//! (`a + b - c + ...`, `a and b or c ...`) does not count as nesting,
//! because the parser builds it in a loop and code generation walks it in
//! one, so a flat sum of a million terms compiles.
//!
//! Invariant: recursion depth is bounded by [`MAX_NESTING`] blocks plus
//! [`MAX_NESTING`] expression levels, so no input can exhaust the stack, and
//! every loop consumes at least one token per iteration or exits, so no input
//! can hang the parser.

use bumpalo::Bump;

use super::ast::{BinOp, Block, Expr, ExprKind, FnDecl, Param, Program, Stmt, StmtKind, UnOp};
use super::diagnostics::{Pos, Sink};
use super::fold;
use super::lexer::{Token, TokenKind};
use crate::module::{MAX_INT, MIN_INT};

/// Deepest nesting of expressions, and separately of blocks inside a
/// function's body, the compiler accepts.
pub const MAX_NESTING: u32 = 200;

/// Marker for "an error was reported; unwind to a synchronisation point".
struct Reported;

type PResult<T> = Result<T, Reported>;

struct Parser<'a, 't, 's> {
    tokens: &'t [Token<'a>],
    at: usize,
    /// Greater than zero inside brackets, where newlines are insignificant.
    nl_skip: u32,
    /// Blocks open inside the current function's body.
    blocks: u32,
    /// Expression levels open inside the current statement.
    exprs: u32,
    bump: &'a Bump,
    sink: &'s mut Sink,
}

fn out_of_range(text: &str) -> String {
    format!("integer literal {text} is out of range (integers are 63-bit: {MIN_INT} to {MAX_INT})")
}

impl<'a> Parser<'a, '_, '_> {
    // ---- token access -------------------------------------------------

    fn skip_newlines(&mut self) {
        while matches!(self.tokens[self.at].kind, TokenKind::Newline) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Token<'a> {
        if self.nl_skip > 0 {
            self.skip_newlines();
        }
        self.tokens[self.at]
    }

    /// The kind of the token `n` places after the next one (newlines skipped
    /// where they are insignificant).
    fn lookahead(&self, n: usize) -> TokenKind<'a> {
        let mut i = self.at;
        let mut left = n;
        loop {
            while self.nl_skip > 0 && matches!(self.tokens[i].kind, TokenKind::Newline) {
                i += 1;
            }
            if left == 0 || matches!(self.tokens[i].kind, TokenKind::Eof) {
                return self.tokens[i].kind;
            }
            left -= 1;
            i += 1;
        }
    }

    fn next(&mut self) -> Token<'a> {
        let t = self.peek();
        if !matches!(t.kind, TokenKind::Eof) {
            self.at += 1;
        }
        t
    }

    fn at_kind(&mut self, kind: TokenKind<'_>) -> bool {
        self.peek().kind == kind
    }

    fn eat(&mut self, kind: TokenKind<'_>) -> bool {
        if self.at_kind(kind) {
            self.next();
            true
        } else {
            false
        }
    }

    /// Reports `message` at `tok` (unless the lexer already reported that
    /// token) and returns the unwinding marker.
    fn error_at(&mut self, tok: Token<'a>, message: impl Into<String>) -> Reported {
        if tok.kind != TokenKind::Error {
            self.sink.error(tok.pos, message);
        }
        Reported
    }

    fn expected(&mut self, what: &str) -> Reported {
        let tok = self.peek();
        let found = tok.kind.describe(tok.text);
        self.error_at(tok, format!("expected {what}, found {found}"))
    }

    fn expect(&mut self, kind: TokenKind<'_>, what: &str) -> PResult<Token<'a>> {
        if self.at_kind(kind) {
            Ok(self.next())
        } else {
            Err(self.expected(what))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<(&'a str, Pos)> {
        let tok = self.peek();
        match tok.kind {
            TokenKind::Ident(name) => {
                self.next();
                Ok((name, tok.pos))
            }
            _ => Err(self.expected(what)),
        }
    }

    fn slice<T>(&self, items: Vec<T>) -> &'a [T] {
        self.bump.alloc_slice_fill_iter(items)
    }

    fn node(&mut self, kind: ExprKind<'a>, pos: Pos, depth: u32) -> PResult<&'a Expr<'a>> {
        if depth > MAX_NESTING {
            self.sink.error(
                pos,
                format!("expression nested too deeply (more than {MAX_NESTING} levels)"),
            );
            return Err(Reported);
        }
        Ok(self.bump.alloc(Expr { kind, pos, depth }))
    }

    // ---- top level ----------------------------------------------------

    fn program(&mut self) -> Program<'a> {
        let mut functions = Vec::new();
        loop {
            self.nl_skip = 0;
            self.blocks = 0;
            self.exprs = 0;
            while matches!(self.peek().kind, TokenKind::Newline | TokenKind::Semicolon) {
                self.next();
            }
            let tok = self.peek();
            match tok.kind {
                TokenKind::Eof => break,
                TokenKind::Fn => match self.function() {
                    Ok(f) => functions.push(f),
                    Err(Reported) => self.sync_top(),
                },
                TokenKind::Let
                | TokenKind::If
                | TokenKind::While
                | TokenKind::For
                | TokenKind::Return
                | TokenKind::Ident(_) => {
                    self.error_at(
                        tok,
                        "statements must be inside a function; the program starts at 'fn main() { ... }'",
                    );
                    self.next();
                    self.sync_top();
                }
                _ => {
                    let found = tok.kind.describe(tok.text);
                    self.error_at(
                        tok,
                        format!("expected 'fn' at the top level, found {found}"),
                    );
                    self.next();
                    self.sync_top();
                }
            }
        }
        Program {
            functions: self.slice(functions),
        }
    }

    /// Skips to the next `fn` (or the end of the file).
    fn sync_top(&mut self) {
        self.nl_skip = 0;
        while !matches!(self.tokens[self.at].kind, TokenKind::Fn | TokenKind::Eof) {
            self.at += 1;
        }
    }

    fn function(&mut self) -> PResult<FnDecl<'a>> {
        self.expect(TokenKind::Fn, "'fn'")?;
        let (name, pos) = self.ident("the function's name after 'fn'")?;
        self.expect(TokenKind::LParen, "'(' after the function's name")?;
        self.nl_skip += 1;
        let mut params = Vec::new();
        while !self.at_kind(TokenKind::RParen) {
            let (pname, ppos) = self.ident("a parameter name or ')'")?;
            params.push(Param {
                name: pname,
                pos: ppos,
            });
            if !self.eat(TokenKind::Comma) {
                break;
            }
        }
        self.expect(TokenKind::RParen, "',' or ')' in the parameter list")?;
        self.nl_skip -= 1;
        let (body, end) = self.body("the function's body")?;
        Ok(FnDecl {
            name,
            pos,
            params: self.slice(params),
            body,
            end,
        })
    }

    // ---- statements ---------------------------------------------------

    /// The condition of `if` or `while`, or the collection of `for`. A
    /// missing one shows up as a map literal where the block should be.
    fn head(&mut self, keyword: &str) -> PResult<&'a Expr<'a>> {
        let e = self.expr()?;
        if matches!(e.kind, ExprKind::Map(_)) && !self.at_kind(TokenKind::LBrace) {
            self.sink.error(
                e.pos,
                format!("expected an expression after '{keyword}' before its block"),
            );
            return Err(Reported);
        }
        Ok(e)
    }

    /// A function's body: a block that does not count as nesting.
    fn body(&mut self, what: &str) -> PResult<(Block<'a>, Pos)> {
        let open = self.open_brace(what)?;
        self.block_body(open)
    }

    /// `{ statements }` nested in the body; returns them and the position of
    /// the closing brace.
    fn block(&mut self, what: &str) -> PResult<(Block<'a>, Pos)> {
        let open = self.open_brace(what)?;
        if self.blocks >= MAX_NESTING {
            self.sink.error(
                open.pos,
                format!("blocks nested too deeply (more than {MAX_NESTING} levels)"),
            );
            self.skip_block();
            return Err(Reported);
        }
        self.blocks += 1;
        let result = self.block_body(open);
        self.blocks -= 1;
        result
    }

    fn open_brace(&mut self, what: &str) -> PResult<Token<'a>> {
        self.skip_newlines();
        let open = self.peek();
        if open.kind != TokenKind::LBrace {
            return Err(self.expected(&format!("'{{' to start {what}")));
        }
        self.next();
        Ok(open)
    }

    fn block_body(&mut self, open: Token<'a>) -> PResult<(Block<'a>, Pos)> {
        let blocks = self.blocks;
        let mut stmts = Vec::new();
        loop {
            while matches!(self.peek().kind, TokenKind::Newline | TokenKind::Semicolon) {
                self.next();
            }
            let tok = self.peek();
            match tok.kind {
                TokenKind::RBrace => {
                    self.next();
                    return Ok((self.slice(stmts), tok.pos));
                }
                TokenKind::Eof => {
                    return Err(self.error_at(
                        tok,
                        format!(
                            "expected '}}' to close the block opened at line {}, found end of file",
                            open.pos.line
                        ),
                    ));
                }
                TokenKind::Fn => {
                    return Err(self.error_at(
                        tok,
                        "functions can only be defined at the top level (is a '}' missing above?)",
                    ));
                }
                _ => {}
            }
            match self.statement_terminated() {
                Ok(s) => stmts.push(s),
                Err(Reported) => {
                    self.nl_skip = 0;
                    self.blocks = blocks;
                    self.exprs = 0;
                    if self.tokens[self.at].kind == TokenKind::Fn {
                        return Err(Reported);
                    }
                    self.sync_statement();
                }
            }
        }
    }

    /// Skips the rest of a block whose `{` was just consumed, up to and
    /// including its `}` (or to the next `fn` or the end of the file), so
    /// that a refused block does not leave stray braces behind.
    fn skip_block(&mut self) {
        let mut depth = 1u32;
        loop {
            match self.tokens[self.at].kind {
                TokenKind::Eof | TokenKind::Fn => return,
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
    }

    /// Skips past the end of the current statement: to just after the next
    /// newline or `;` outside braces, or to the `}` closing the block.
    fn sync_statement(&mut self) {
        let mut depth = 0u32;
        loop {
            match self.tokens[self.at].kind {
                TokenKind::Eof | TokenKind::Fn => return,
                TokenKind::Newline | TokenKind::Semicolon if depth == 0 => {
                    self.at += 1;
                    return;
                }
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.at += 1;
        }
    }

    fn statement_terminated(&mut self) -> PResult<Stmt<'a>> {
        let stmt = self.statement()?;
        match self.peek().kind {
            TokenKind::Newline | TokenKind::Semicolon => {
                self.next();
            }
            TokenKind::RBrace | TokenKind::Eof => {}
            _ => return Err(self.expected("end of line or ';' after the statement")),
        }
        Ok(stmt)
    }

    fn statement(&mut self) -> PResult<Stmt<'a>> {
        let tok = self.peek();
        let pos = tok.pos;
        let kind = match tok.kind {
            TokenKind::Let => {
                self.next();
                let (name, name_pos) = self.ident("a variable name after 'let'")?;
                self.expect(TokenKind::Assign, &format!("'=' after 'let {name}'"))?;
                self.skip_newlines();
                let value = self.expr()?;
                StmtKind::Let {
                    name,
                    name_pos,
                    value,
                }
            }
            TokenKind::If => return self.if_statement(),
            TokenKind::While => {
                self.next();
                let cond = self.head("while")?;
                let (body, _) = self.block("the body of 'while'")?;
                StmtKind::While { cond, body }
            }
            TokenKind::For => {
                self.next();
                let (var, _) = self.ident("a variable name after 'for'")?;
                self.expect(TokenKind::In, &format!("'in' after 'for {var}'"))?;
                let iter = self.head("in")?;
                let (body, _) = self.block("the body of 'for'")?;
                StmtKind::For { var, iter, body }
            }
            TokenKind::Break => {
                self.next();
                StmtKind::Break
            }
            TokenKind::Continue => {
                self.next();
                StmtKind::Continue
            }
            TokenKind::Return => {
                self.next();
                let value = match self.peek().kind {
                    TokenKind::Newline
                    | TokenKind::Semicolon
                    | TokenKind::RBrace
                    | TokenKind::Eof => None,
                    _ => Some(self.expr()?),
                };
                StmtKind::Return(value)
            }
            TokenKind::Else => {
                return Err(self.error_at(tok, "'else' without a matching 'if'"));
            }
            _ => {
                let target = self.expr()?;
                let assign = self.peek();
                if assign.kind != TokenKind::Assign {
                    StmtKind::Expr(target)
                } else {
                    self.next();
                    self.skip_newlines();
                    let value = self.expr()?;
                    match target.kind {
                        ExprKind::Name(name) => StmtKind::Assign {
                            name,
                            name_pos: target.pos,
                            value,
                        },
                        ExprKind::Index { obj, index } => StmtKind::SetIndex { obj, index, value },
                        _ => {
                            self.sink.error(
                                assign.pos,
                                "cannot assign to this expression (only to a variable or an element 'a[i]')",
                            );
                            return Err(Reported);
                        }
                    }
                }
            }
        };
        Ok(Stmt { kind, pos })
    }

    fn if_statement(&mut self) -> PResult<Stmt<'a>> {
        let pos = self.next().pos;
        let mut branches = Vec::new();
        let cond = self.head("if")?;
        let (body, _) = self.block("the body of 'if'")?;
        branches.push((cond, body));
        let mut otherwise = None;
        loop {
            let before_newlines = self.at;
            self.skip_newlines();
            if !self.eat(TokenKind::Else) {
                self.at = before_newlines;
                break;
            }
            if self.eat(TokenKind::If) {
                let cond = self.head("if")?;
                let (body, _) = self.block("the body of 'else if'")?;
                branches.push((cond, body));
            } else {
                let (body, _) = self.block("the body of 'else'")?;
                otherwise = Some(body);
                break;
            }
        }
        Ok(Stmt {
            kind: StmtKind::If {
                branches: self.slice(branches),
                otherwise,
            },
            pos,
        })
    }

    // ---- expressions --------------------------------------------------

    /// Runs `parse` one expression level deeper, refusing to go past
    /// [`MAX_NESTING`].
    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.exprs >= MAX_NESTING {
            let tok = self.peek();
            return Err(self.error_at(
                tok,
                format!("expression nested too deeply (more than {MAX_NESTING} levels)"),
            ));
        }
        self.exprs += 1;
        let result = parse(self);
        self.exprs -= 1;
        result
    }

    /// The depth of an operator node over `lhs` and `rhs`: one more than its
    /// operands', except that a left operand continuing the same chain
    /// (`continues`) adds nothing, since code generation walks a chain in a
    /// loop rather than by recursion.
    fn chain_depth(continues: bool, lhs: &Expr<'_>, rhs: &Expr<'_>) -> u32 {
        let left = if continues { lhs.depth } else { lhs.depth + 1 };
        left.max(rhs.depth + 1)
    }

    fn expr(&mut self) -> PResult<&'a Expr<'a>> {
        self.nested(|p| p.or_expr())
    }

    fn or_expr(&mut self) -> PResult<&'a Expr<'a>> {
        let mut lhs = self.and_expr()?;
        while self.at_kind(TokenKind::Or) {
            let op = self.next();
            self.skip_newlines();
            let rhs = self.and_expr()?;
            let depth = Self::chain_depth(lhs.is_logical(), lhs, rhs);
            lhs = self.node(ExprKind::Or(lhs, rhs), op.pos, depth)?;
        }
        Ok(lhs)
    }

    fn and_expr(&mut self) -> PResult<&'a Expr<'a>> {
        let mut lhs = self.not_expr()?;
        while self.at_kind(TokenKind::And) {
            let op = self.next();
            self.skip_newlines();
            let rhs = self.not_expr()?;
            let depth = Self::chain_depth(lhs.is_logical(), lhs, rhs);
            lhs = self.node(ExprKind::And(lhs, rhs), op.pos, depth)?;
        }
        Ok(lhs)
    }

    fn not_expr(&mut self) -> PResult<&'a Expr<'a>> {
        if !self.at_kind(TokenKind::Not) {
            return self.comparison();
        }
        let op = self.next();
        self.skip_newlines();
        let operand = self.nested(|p| p.not_expr())?;
        match fold::unary(UnOp::Not, &operand.kind) {
            Some(kind) => self.node(kind, op.pos, 1),
            None => self.node(
                ExprKind::Unary {
                    op: UnOp::Not,
                    operand,
                },
                op.pos,
                operand.depth + 1,
            ),
        }
    }

    fn comparison_op(&mut self) -> Option<BinOp> {
        Some(match self.peek().kind {
            TokenKind::EqEq => BinOp::Eq,
            TokenKind::NotEq => BinOp::Ne,
            TokenKind::Lt => BinOp::Lt,
            TokenKind::Le => BinOp::Le,
            TokenKind::Gt => BinOp::Gt,
            TokenKind::Ge => BinOp::Ge,
            _ => return None,
        })
    }

    fn comparison(&mut self) -> PResult<&'a Expr<'a>> {
        let lhs = self.sum()?;
        let Some(op) = self.comparison_op() else {
            return Ok(lhs);
        };
        let op_tok = self.next();
        self.skip_newlines();
        let rhs = self.sum()?;
        if self.comparison_op().is_some() {
            let tok = self.peek();
            return Err(self.error_at(
                tok,
                "comparison operators cannot be chained; combine the comparisons with 'and'",
            ));
        }
        self.binary(op, lhs, rhs, op_tok.pos)
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &'a Expr<'a>,
        rhs: &'a Expr<'a>,
        pos: Pos,
    ) -> PResult<&'a Expr<'a>> {
        match fold::binary(self.bump, op, &lhs.kind, &rhs.kind) {
            Some(kind) => self.node(kind, lhs.pos, 1),
            None => {
                let continues = !op.is_comparison() && lhs.is_arithmetic();
                let depth = Self::chain_depth(continues, lhs, rhs);
                self.node(ExprKind::Binary { op, lhs, rhs }, pos, depth)
            }
        }
    }

    fn sum(&mut self) -> PResult<&'a Expr<'a>> {
        let mut lhs = self.term()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Plus => BinOp::Add,
                TokenKind::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            let op_tok = self.next();
            self.skip_newlines();
            let rhs = self.term()?;
            lhs = self.binary(op, lhs, rhs, op_tok.pos)?;
        }
    }

    fn term(&mut self) -> PResult<&'a Expr<'a>> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Star => BinOp::Mul,
                TokenKind::Slash => BinOp::Div,
                TokenKind::Percent => BinOp::Mod,
                _ => return Ok(lhs),
            };
            let op_tok = self.next();
            self.skip_newlines();
            let rhs = self.unary()?;
            lhs = self.binary(op, lhs, rhs, op_tok.pos)?;
        }
    }

    fn unary(&mut self) -> PResult<&'a Expr<'a>> {
        if !self.at_kind(TokenKind::Minus) {
            return self.postfix();
        }
        let op = self.next();
        self.skip_newlines();
        // `-` directly before an integer literal folds into the literal, so
        // the smallest integer can be written although its magnitude is not
        // itself a valid literal.
        if let TokenKind::Int(v) = self.peek().kind
            && !matches!(self.lookahead(1), TokenKind::LParen | TokenKind::LBracket)
        {
            let lit = self.next();
            let magnitude = i128::from(v);
            if magnitude > -i128::from(MIN_INT) {
                self.sink
                    .error(op.pos, out_of_range(&format!("-{}", lit.text)));
                return Err(Reported);
            }
            return self.node(ExprKind::Int(-(magnitude as i64)), op.pos, 1);
        }
        let operand = self.nested(|p| p.unary())?;
        match fold::unary(UnOp::Neg, &operand.kind) {
            Some(kind) => self.node(kind, op.pos, 1),
            None => self.node(
                ExprKind::Unary {
                    op: UnOp::Neg,
                    operand,
                },
                op.pos,
                operand.depth + 1,
            ),
        }
    }

    fn postfix(&mut self) -> PResult<&'a Expr<'a>> {
        let mut e = self.primary()?;
        loop {
            match self.peek().kind {
                TokenKind::LParen => {
                    self.next();
                    let args =
                        self.list(TokenKind::RParen, "')' or ',' after the call's arguments")?;
                    let depth = 1 + args.iter().map(|a| a.depth).max().unwrap_or(0).max(e.depth);
                    e = self.node(
                        ExprKind::Call {
                            callee: e,
                            args: self.slice(args),
                        },
                        e.pos,
                        depth,
                    )?;
                }
                TokenKind::LBracket => {
                    let open = self.next();
                    self.nl_skip += 1;
                    let index = self.expr()?;
                    self.expect(TokenKind::RBracket, "']' after the index")?;
                    self.nl_skip -= 1;
                    let depth = 1 + e.depth.max(index.depth);
                    e = self.node(ExprKind::Index { obj: e, index }, open.pos, depth)?;
                }
                _ => return Ok(e),
            }
        }
    }

    /// Comma-separated expressions up to `close` (a trailing comma allowed);
    /// the opening bracket is already consumed.
    fn list(&mut self, close: TokenKind<'_>, what: &str) -> PResult<Vec<&'a Expr<'a>>> {
        self.nl_skip += 1;
        let mut items = Vec::new();
        while !self.at_kind(close) {
            items.push(self.expr()?);
            if !self.eat(TokenKind::Comma) {
                break;
            }
        }
        self.expect(close, what)?;
        self.nl_skip -= 1;
        Ok(items)
    }

    fn primary(&mut self) -> PResult<&'a Expr<'a>> {
        let tok = self.peek();
        let kind = match tok.kind {
            TokenKind::Int(v) => {
                if v > MAX_INT as u64 {
                    return Err(self.error_at(tok, out_of_range(tok.text)));
                }
                ExprKind::Int(v as i64)
            }
            TokenKind::Float(v) => ExprKind::Float(v),
            TokenKind::Str(s) => ExprKind::Str(s),
            TokenKind::Nil => ExprKind::Nil,
            TokenKind::True => ExprKind::Bool(true),
            TokenKind::False => ExprKind::Bool(false),
            TokenKind::Ident(name) => ExprKind::Name(name),
            TokenKind::LParen => {
                self.next();
                self.nl_skip += 1;
                let e = self.expr()?;
                self.expect(TokenKind::RParen, "')'")?;
                self.nl_skip -= 1;
                return Ok(e);
            }
            TokenKind::LBracket => {
                self.next();
                let items = self.list(TokenKind::RBracket, "']' or ',' in the array literal")?;
                let depth = 1 + items.iter().map(|e| e.depth).max().unwrap_or(0);
                return self.node(ExprKind::Array(self.slice(items)), tok.pos, depth);
            }
            TokenKind::LBrace => return self.map_literal(),
            _ => return Err(self.expected("an expression")),
        };
        self.next();
        self.node(kind, tok.pos, 1)
    }

    fn map_literal(&mut self) -> PResult<&'a Expr<'a>> {
        let open = self.next();
        self.nl_skip += 1;
        let mut pairs = Vec::new();
        let mut depth = 0;
        while !self.at_kind(TokenKind::RBrace) {
            let key = self.expr()?;
            self.expect(TokenKind::Colon, "':' after the map key")?;
            let value = self.expr()?;
            depth = depth.max(key.depth).max(value.depth);
            pairs.push((key, value));
            if !self.eat(TokenKind::Comma) {
                break;
            }
        }
        self.expect(TokenKind::RBrace, "'}' or ',' in the map literal")?;
        self.nl_skip -= 1;
        self.node(ExprKind::Map(self.slice(pairs)), open.pos, depth + 1)
    }
}

/// Parses a whole program. Errors go to `sink`; the returned tree is only
/// meaningful when none was reported.
pub(crate) fn parse<'a>(tokens: &[Token<'a>], bump: &'a Bump, sink: &mut Sink) -> Program<'a> {
    Parser {
        tokens,
        at: 0,
        nl_skip: 0,
        blocks: 0,
        exprs: 0,
        bump,
        sink,
    }
    .program()
}
