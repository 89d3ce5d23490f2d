//! The one database interface every aggregate's queries are written against, over either
//! backend: SQLite (rusqlite) or PostgreSQL (the `postgres` crate).
//!
//! Its shape follows rusqlite's (`prepare_cached`, `query_row`, `query_map`, `params!`,
//! `optional()`), so an aggregate's file reads as it did when it spoke SQLite alone. SQL is
//! written once in the subset both servers accept, with `?N` placeholders; for PostgreSQL
//! they become `$N` here. Values cross in five kinds ([`Value`]): the PostgreSQL schema uses
//! `BIGINT`, `DOUBLE PRECISION`, `TEXT` and `BYTEA` where SQLite's says INTEGER, REAL, TEXT
//! and BLOB, so both hold the same things. Where the dialects really differ a query asks
//! [`Connection::backend`] and says both. A placeholder PostgreSQL cannot type from its use
//! alone (`?1 IS NULL OR …`) is written `CAST(?1 AS TEXT)`, which both accept.
//!
//! Transactions are plain `BEGIN`/`COMMIT` on the connection: a [`Transaction`] derefs to the
//! [`Connection`] it runs on, so every query function takes `&Connection` and callers decide
//! the boundaries. A write transaction is serialised on both backends: SQLite's `BEGIN
//! IMMEDIATE` takes the file's write lock; on PostgreSQL it takes one transaction-scoped
//! advisory lock ([`WRITE_LOCK`]), so audit appends and vote counts see what the writer
//! before them committed, as on SQLite.

use std::collections::HashMap;
use std::fmt;
use std::sync::mpsc;

use super::StoreError;

/// What a query function gives back.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The key of PostgreSQL's advisory lock every write transaction holds until it ends.
pub const WRITE_LOCK: i64 = 0x4352_4C31_0001;

/// Which server a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One value in or out of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Something that can be bound to a placeholder.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// Something a column can be read as.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(*self as i64)
            }
        }
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                match v {
                    Value::Integer(i) => <$t>::try_from(i).map_err(|_| format!("{i} is out of range")),
                    other => Err(format!("expected an integer, found {}", other.kind())),
                }
            }
        }
    )*};
}
int_values!(i64, i32, u32, u16, u8, usize, u64);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Integer(i) => Ok(i != 0),
            other => Err(format!("expected a truth value, found {}", other.kind())),
        }
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", other.kind())),
        }
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(format!("expected bytes, found {}", other.kind())),
        }
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real number",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

/// The values bound to a statement's placeholders, in order.
pub trait Params {
    fn values(self) -> Vec<Value>;
}
impl Params for () {
    fn values(self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}
impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}

/// Binds values in order, as rusqlite's macro of the same name does.
#[macro_export]
#[doc(hidden)]
macro_rules! store_params {
    () => { &[] as &[&dyn $crate::store::db::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::db::ToValue),+] as &[&dyn $crate::store::db::ToValue] };
}
pub use crate::store_params as params;

/// `Ok(None)` for a query that found no row, as rusqlite's trait of the same name.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}
impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A column that holds something it should not: what a hand edit could leave behind.
pub(crate) fn bad_column(column: usize, what: impl Into<String>) -> StoreError {
    let what: String = what.into();
    StoreError::Corrupt(format!("column {column}: {what}"))
}

/// How a column is named: by its position, from 0.
pub trait RowIndex {
    fn index(self) -> usize;
}
impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of a result.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// How many columns the row has.
    pub fn column_count(&self) -> usize {
        match self {
            Row::Sqlite(r) => r.as_ref().column_count(),
            Row::Postgres(r) => r.len(),
        }
    }

    /// Column `idx` (from 0) as `T`.
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        let value = match self {
            Row::Sqlite(r) => sqlite_value(r.get_ref(idx)?),
            Row::Postgres(r) => {
                if idx >= r.len() {
                    return Err(bad_column(idx, "no such column"));
                }
                r.try_get::<_, PgValue>(idx)?.0
            }
        };
        T::from_value(value).map_err(|e| bad_column(idx, e))
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A value read from PostgreSQL, whatever its column type, as one of the five kinds.
struct PgValue(Value);

impl<'a> postgres::types::FromSql<'a> for PgValue {
    fn from_sql(
        ty: &postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        Ok(PgValue(match *ty {
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => Value::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(raw.to_vec()),
            _ => Value::Text(String::from_sql(ty, raw)?),
        }))
    }

    fn from_sql_null(
        _: &postgres::types::Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::OID
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::NUMERIC
                | Type::BYTEA
        ) || <String as postgres::types::FromSql>::accepts(ty)
    }
}

/// PostgreSQL's binary NUMERIC (what `sum` of a BIGINT column gives): an integer when it has
/// no fraction and fits, a real number otherwise.
fn numeric(raw: &[u8]) -> std::result::Result<Value, Box<dyn std::error::Error + Sync + Send>> {
    let word = |i: usize| -> std::result::Result<i16, Box<dyn std::error::Error + Sync + Send>> {
        raw.get(i..i + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "short numeric".into())
    };
    let (ndigits, weight, sign, dscale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut value = 0f64;
    for d in 0..ndigits.max(0) as usize {
        let digit = f64::from(word(8 + 2 * d)?);
        value += digit * 10000f64.powi(i32::from(weight) - d as i32);
    }
    if sign == 0x4000 {
        value = -value;
    }
    if dscale == 0 && value.abs() < 9.0e15 {
        Ok(Value::Integer(value as i64))
    } else {
        Ok(Value::Real(value))
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        let texty = <&str as postgres::types::ToSql>::accepts(ty);
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Integer(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Integer(i), &Type::FLOAT4) => (*i as f32).to_sql(ty, out),
            (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Integer(i), _) if texty => i.to_string().to_sql(&Type::TEXT, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), _) if texty => f.to_string().to_sql(&Type::TEXT, out),
            // Text where the server infers a number (`CAST(?1 AS INTEGER)` with a text key):
            // sent as that number, as SQLite would convert it.
            (Value::Text(s), &Type::INT8) => s.parse::<i64>()?.to_sql(ty, out),
            (Value::Text(s), &Type::INT4) => s.parse::<i32>()?.to_sql(ty, out),
            (Value::Text(s), &Type::INT2) => s.parse::<i16>()?.to_sql(ty, out),
            (Value::Text(s), &Type::FLOAT8) => s.parse::<f64>()?.to_sql(ty, out),
            (Value::Text(s), &Type::FLOAT4) => s.parse::<f32>()?.to_sql(ty, out),
            (Value::Text(s), _) if texty => s.as_str().to_sql(&Type::TEXT, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            // Anything else would put bytes of one type where the server reads another.
            // (The value itself stays out of the message: it may be patron data.)
            (v, _) => {
                let kind = match v {
                    Value::Null | Value::Integer(_) => "an integer",
                    Value::Real(_) => "a real number",
                    Value::Text(_) => "text",
                    Value::Blob(_) => "bytes",
                };
                Err(format!("cannot send {kind} as a parameter of type {ty}").into())
            }
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// `?N` (and bare `?`) placeholders to PostgreSQL's `$N`, outside quoted text.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 1;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    digits = next.to_string();
                    next += 1;
                }
                out.push_str(&digits);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// A live PostgreSQL session: the client, its prepared statements and whether a
/// transaction is open.
pub(crate) struct PgSession {
    pub(crate) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
    /// How to open the session again after the server dropped it.
    connect: Box<dyn Fn() -> Result<postgres::Client> + Send>,
    /// The channels to LISTEN on again after reconnecting.
    listening: Vec<String>,
    /// How many times the session was opened again: each may have missed notifications.
    pub(crate) reconnects: i64,
    /// A transaction is open: a session lost now is not opened again until the transaction
    /// has ended (in failure), so no statement of it can run, committed on its own, on a new
    /// session.
    in_transaction: bool,
    /// No new attempt before this, and how long the next wait is (1 s doubling to 30 s).
    retry_at: std::time::Instant,
    backoff: std::time::Duration,
}

impl PgSession {
    /// Opens the session again if the server dropped it, at most once per backoff step. A
    /// call made while it is down fails with the connection's error; the caller shows it and
    /// tries later.
    fn reconnect_if_closed(&mut self) {
        if !self.client.is_closed()
            || self.in_transaction
            || std::time::Instant::now() < self.retry_at
        {
            return;
        }
        match (self.connect)() {
            Ok(client) => {
                self.client = client;
                self.statements.clear();
                self.reconnects += 1;
                self.backoff = std::time::Duration::from_secs(1);
                for channel in self.listening.clone() {
                    if let Err(e) = self.client.batch_execute(&format!("LISTEN {channel}")) {
                        tracing::warn!(error = %e, channel, "cannot listen again");
                    }
                }
                tracing::info!(reconnects = self.reconnects, "database session opened again");
            }
            Err(e) => {
                tracing::warn!(error = %e, wait_s = self.backoff.as_secs(), "database unreachable");
                self.retry_at = std::time::Instant::now() + self.backoff;
                self.backoff = (self.backoff * 2).min(std::time::Duration::from_secs(30));
            }
        }
    }
}

/// A job for a session's thread.
type Job = Box<dyn FnOnce(&mut PgSession) + Send>;

/// A PostgreSQL session on a thread of its own. The `postgres` client blocks on a runtime of
/// its own, which may not run inside another one; so every call goes to this thread and the
/// caller waits for the answer, from a plain thread or a task alike.
pub(crate) struct PgWorker {
    jobs: mpsc::Sender<Job>,
}

impl PgWorker {
    /// Starts the thread and connects there; the connection's error if it fails.
    fn start(connect: impl Fn() -> Result<postgres::Client> + Send + 'static) -> Result<PgWorker> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, connected) = mpsc::channel::<Result<()>>();
        std::thread::Builder::new()
            .name("carrel-postgres".into())
            .spawn(move || {
                let mut session = match connect() {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        PgSession {
                            client,
                            statements: HashMap::new(),
                            connect: Box::new(connect),
                            listening: Vec::new(),
                            reconnects: 0,
                            in_transaction: false,
                            retry_at: std::time::Instant::now(),
                            backoff: std::time::Duration::from_secs(1),
                        }
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                // Ends when the connection is dropped (its sender with it).
                while let Ok(job) = queue.recv() {
                    session.reconnect_if_closed();
                    job(&mut session);
                }
            })
            .map_err(|e| StoreError::Invalid(format!("cannot start a database thread: {e}")))?;
        connected.recv().map_err(|_| gone())??;
        Ok(PgWorker { jobs })
    }

    /// Runs `f` on the session's thread and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgSession) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = mpsc::channel();
        self.jobs
            .send(Box::new(move |s: &mut PgSession| {
                let _ = answer.send(f(s));
            }))
            .map_err(|_| gone())?;
        answered.recv().map_err(|_| gone())?
    }
}

fn gone() -> StoreError {
    StoreError::Invalid("the database session's thread has stopped".into())
}

impl PgSession {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(&to_postgres(sql))?;
        if self.statements.len() > 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn run(&mut self, sql: &str, values: &[Value]) -> Result<Vec<postgres::Row>> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
        self.client.query(&stmt, &refs).map_err(|e| {
            tracing::debug!(sql, error = %e, "query failed");
            e.into()
        })
    }

    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<usize> {
        let stmt = self.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
        Ok(self.client.execute(&stmt, &refs)? as usize)
    }
}

/// A connection to either backend.
pub struct Connection {
    inner: Inner,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres(PgWorker),
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("backend", &self.backend()).finish()
    }
}

impl Connection {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Self {
        Connection { inner: Inner::Sqlite(conn) }
    }

    /// A PostgreSQL session opened by `connect`, on a thread of its own.
    pub(crate) fn postgres(
        connect: impl Fn() -> Result<postgres::Client> + Send + 'static,
    ) -> Result<Self> {
        Ok(Connection { inner: Inner::Postgres(PgWorker::start(connect)?) })
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// The name of the function giving the largest of its arguments: SQLite's `max` with
    /// two or more, PostgreSQL's `greatest`.
    pub fn greatest(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "max",
            Backend::Postgres => "greatest",
        }
    }

    /// PostgreSQL: LISTEN on `channel`, now and after every reconnection. Nothing on SQLite.
    pub(crate) fn listen(&self, channel: &'static str) -> Result<()> {
        self.with_postgres(move |s| {
            s.client.batch_execute(&format!("LISTEN {channel}"))?;
            s.listening.push(channel.to_owned());
            Ok(())
        })
        .unwrap_or(Ok(()))
    }

    /// The SQLite connection underneath, for what only SQLite has (pragmas, migrations).
    pub(crate) fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    pub(crate) fn as_sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    /// The PostgreSQL session underneath, for what only PostgreSQL has (roles, LISTEN).
    pub(crate) fn with_postgres<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgSession) -> Result<T> + Send + 'static,
    ) -> Option<Result<T>> {
        match &self.inner {
            Inner::Sqlite(_) => None,
            Inner::Postgres(w) => Some(w.call(f)),
        }
    }

    /// A statement kept for reuse.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::SqliteCached(c.prepare_cached(sql)?)),
            Inner::Postgres(_) => Ok(Statement::Postgres { conn: self, sql: sql.to_owned() }),
        }
    }

    /// A statement used once.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(c.prepare(sql)?)),
            Inner::Postgres(_) => Ok(Statement::Postgres { conn: self, sql: sql.to_owned() }),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs statements separated by semicolons, with no parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Inner::Postgres(w) => {
                let sql = sql.to_owned();
                w.call(move |s| Ok(s.client.batch_execute(&sql)?))
            }
        }
    }

    /// The id the last `INSERT` gave its row (SQLite's rowid; PostgreSQL's `lastval()`,
    /// which every identity column feeds).
    pub fn last_insert_rowid(&self) -> i64 {
        match &self.inner {
            Inner::Sqlite(c) => c.last_insert_rowid(),
            Inner::Postgres(w) => w
                .call(|s| s.run("SELECT lastval()", &[]))
                .ok()
                .and_then(|rows| rows.first().and_then(|r| r.try_get::<_, i64>(0).ok()))
                .unwrap_or(0),
        }
    }

    /// Starts a transaction; it rolls back when dropped without [`Transaction::commit`].
    /// `write` takes the write lock up front (see the module notes).
    pub fn begin(&self, write: bool) -> Result<Transaction<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => {
                c.execute_batch(if write { "BEGIN IMMEDIATE" } else { "BEGIN DEFERRED" })?
            }
            Inner::Postgres(w) => w.call(move |s| {
                // A writer that holds the lock too long is waited for as long as SQLite's
                // default busy timeout, then the transaction is tried again (`Store::write`).
                s.client.batch_execute(
                    "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '5s'",
                )?;
                s.in_transaction = true;
                if write
                    && let Err(e) =
                        s.client.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                {
                    let _ = s.client.batch_execute("ROLLBACK");
                    s.in_transaction = false;
                    return Err(e.into());
                }
                Ok(())
            })?,
        }
        Ok(Transaction { conn: self, open: true })
    }
}

impl Connection {
    /// Ends the open transaction with `COMMIT` or `ROLLBACK`.
    fn end(&self, how: &'static str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(how)?),
            Inner::Postgres(w) => w.call(move |s| {
                s.in_transaction = false;
                Ok(s.client.batch_execute(how)?)
            }),
        }
    }
}

/// An open transaction on a [`Connection`]; rolled back unless committed.
pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        let done = self.conn.end("COMMIT");
        if done.is_err() {
            let _ = self.conn.end("ROLLBACK");
        }
        done
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.end("ROLLBACK");
        }
    }
}

/// A statement ready to run with values bound.
pub enum Statement<'c> {
    SqliteCached(rusqlite::CachedStatement<'c>),
    Sqlite(rusqlite::Statement<'c>),
    Postgres { conn: &'c Connection, sql: String },
}

impl<'c> Statement<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Statement::SqliteCached(s) => Some(s),
            Statement::Sqlite(s) => Some(s),
            Statement::Postgres { .. } => None,
        }
    }

    fn postgres_rows(&self, values: &[Value]) -> Result<Vec<postgres::Row>> {
        match self {
            Statement::Postgres { conn, sql } => match &conn.inner {
                Inner::Postgres(w) => {
                    let (sql, values) = (sql.clone(), values.to_vec());
                    w.call(move |s| s.run(&sql, &values))
                }
                Inner::Sqlite(_) => unreachable!("a PostgreSQL statement on SQLite"),
            },
            _ => unreachable!("a SQLite statement asked for PostgreSQL rows"),
        }
    }

    /// Runs the statement; returns how many rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = params.values();
        if let Some(s) = self.sqlite() {
            return Ok(s.execute(rusqlite::params_from_iter(values.iter()))?);
        }
        match self {
            Statement::Postgres { conn, sql } => match &conn.inner {
                Inner::Postgres(w) => {
                    let sql = sql.clone();
                    w.call(move |s| s.execute(&sql, &values))
                }
                Inner::Sqlite(_) => unreachable!("a PostgreSQL statement on SQLite"),
            },
            _ => unreachable!(),
        }
    }

    /// The first row, through `f`; [`StoreError::NoRow`] when there is none.
    pub fn query_row<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let values = params.values();
        if let Some(s) = self.sqlite() {
            let mut rows = s.query(rusqlite::params_from_iter(values.iter()))?;
            return match rows.next()? {
                Some(r) => f(&Row::Sqlite(r)),
                None => Err(StoreError::NoRow),
            };
        }
        let rows = self.postgres_rows(&values)?;
        match rows.first() {
            Some(r) => f(&Row::Postgres(r)),
            None => Err(StoreError::NoRow),
        }
    }

    /// Every row, each through `f`.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let values = params.values();
        let mut out = Vec::new();
        if let Some(s) = self.sqlite() {
            let mut rows = s.query(rusqlite::params_from_iter(values.iter()))?;
            while let Some(r) = rows.next()? {
                out.push(f(&Row::Sqlite(r)));
            }
        } else {
            for r in &self.postgres_rows(&values)? {
                out.push(f(&Row::Postgres(r)));
            }
        }
        Ok(out.into_iter())
    }

    /// Whether the query gives any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query_map(params, |_| Ok(()))?.next().is_some())
    }

    /// Rows one at a time, for scans too long to hold (the audit log).
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let values = params.values();
        match self {
            Statement::SqliteCached(s) => {
                Ok(Rows::Sqlite(s.query(rusqlite::params_from_iter(values))?))
            }
            Statement::Sqlite(s) => Ok(Rows::Sqlite(s.query(rusqlite::params_from_iter(values))?)),
            Statement::Postgres { .. } => {
                Ok(Rows::Postgres { rows: self.postgres_rows(&values)?, next: 0 })
            }
        }
    }
}

/// The rows of [`Statement::query`].
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres { rows: Vec<postgres::Row>, next: usize },
}

impl Rows<'_> {
    /// The next row, or `None` after the last.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(r) => Ok(r.next()?.map(Row::Sqlite)),
            Rows::Postgres { rows, next } => {
                let row = rows.get(*next).map(Row::Postgres);
                *next += 1;
                Ok(row)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(to_postgres("SELECT ?1, ?2 WHERE a = ?1"), "SELECT $1, $2 WHERE a = $1");
        assert_eq!(to_postgres("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert_eq!(to_postgres("SELECT '?1', \"a?\" , ?3"), "SELECT '?1', \"a?\" , $3");
    }

    #[test]
    fn values_convert_both_ways_and_say_what_they_found() {
        assert_eq!(i64::from_value(5i64.to_value()), Ok(5));
        assert_eq!(Option::<String>::from_value(Value::Null), Ok(None));
        assert!(u32::from_value(Value::Integer(-1)).unwrap_err().contains("out of range"));
        assert!(String::from_value(Value::Integer(3)).unwrap_err().contains("an integer"));
        assert_eq!(bool::from_value(Value::Integer(1)), Ok(true));
    }
}
