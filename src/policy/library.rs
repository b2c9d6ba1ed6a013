//! The Kubernetes CEL libraries policies commonly use, which the `cel` crate lacks: strings
//! (`lowerAscii`, `upperAscii`, `trim`, `split`, `join`, `replace`, `substring`, `charAt`,
//! `indexOf`, `lastIndexOf`), lists (`isSorted`, `indexOf`, `lastIndexOf`, `sum`, `min`,
//! `max`), regex (`find`, `findAll`), `quantity` and `url`, as the API server defines them
//! (k8s.io/apiserver/pkg/cel/library). `matches` is the crate's own.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use cel::extractors::{Arguments, This};
use cel::objects::{Key, Map, Opaque};
use cel::{Context, ExecutionError, FunctionContext, Value};
use regex::Regex;

type Result<T> = std::result::Result<T, ExecutionError>;

/// The names this library adds, for the compile-time check of the functions an expression
/// calls.
pub const FUNCTIONS: &[&str] = &[
    "lowerAscii",
    "upperAscii",
    "trim",
    "split",
    "join",
    "replace",
    "substring",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "isSorted",
    "sum",
    "find",
    "findAll",
    "quantity",
    "isQuantity",
    "compareTo",
    "isLessThan",
    "isGreaterThan",
    "asInteger",
    "asApproximateFloat",
    "isInteger",
    "sign",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
];

/// Adds the library to a root context.
pub fn register(ctx: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    ctx.add_function("lowerAscii", |This(s): This<Arc<String>>| {
        s.to_ascii_lowercase()
    })?;
    ctx.add_function("upperAscii", |This(s): This<Arc<String>>| {
        s.to_ascii_uppercase()
    })?;
    ctx.add_function("trim", |This(s): This<Arc<String>>| s.trim().to_string())?;
    ctx.add_function("split", split)?;
    ctx.add_function("join", join)?;
    ctx.add_function("replace", replace)?;
    ctx.add_function("substring", substring)?;
    ctx.add_function("charAt", char_at)?;
    ctx.add_function("indexOf", |ftx: &FunctionContext, this, args| {
        index_of(ftx, this, args, false)
    })?;
    ctx.add_function("lastIndexOf", |ftx: &FunctionContext, this, args| {
        index_of(ftx, this, args, true)
    })?;
    ctx.add_function("isSorted", is_sorted)?;
    ctx.add_function("sum", sum)?;
    let cache = Arc::new(RegexCache::default());
    let find_cache = Arc::clone(&cache);
    ctx.add_function(
        "find",
        move |This(s): This<Arc<String>>, re: Arc<String>| -> Result<Value> {
            let re = find_cache.get(&re)?;
            Ok(re.find(&s).map_or("", |m| m.as_str()).into())
        },
    )?;
    ctx.add_function(
        "findAll",
        move |This(s): This<Arc<String>>, Arguments(args): Arguments| find_all(&cache, &s, &args),
    )?;
    register_quantity(ctx)?;
    register_url(ctx)
}

fn fail(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

fn string_arg(args: &[Value], i: usize, function: &str) -> Result<Arc<String>> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(Arc::clone(s)),
        _ => Err(fail(
            function,
            format!("argument {} must be a string", i + 1),
        )),
    }
}

fn int_arg(args: &[Value], i: usize, function: &str) -> Result<Option<i64>> {
    match args.get(i) {
        None => Ok(None),
        Some(Value::Int(n)) => Ok(Some(*n)),
        Some(_) => Err(fail(function, format!("argument {} must be an int", i + 1))),
    }
}

/// `'a,b'.split(',')`, `'a,b,c'.split(',', 2)`: a limit keeps the rest in the last part
/// (0: none, negative: all).
fn split(This(s): This<Arc<String>>, Arguments(args): Arguments) -> Result<Value> {
    let sep = string_arg(&args, 0, "split")?;
    let parts: Vec<Value> = match int_arg(&args, 1, "split")? {
        Some(0) => Vec::new(),
        Some(n) if n > 0 => s
            .splitn(usize::try_from(n).unwrap_or(usize::MAX), sep.as_str())
            .map(Value::from)
            .collect(),
        _ if sep.is_empty() => s.chars().map(|c| Value::from(c.to_string())).collect(),
        _ => s.split(sep.as_str()).map(Value::from).collect(),
    };
    Ok(parts.into())
}

/// `['a', 'b'].join()`, `['a', 'b'].join(', ')`.
fn join(This(list): This<Arc<Vec<Value>>>, Arguments(args): Arguments) -> Result<Value> {
    let sep = match args.first() {
        Some(_) => string_arg(&args, 0, "join")?,
        None => Arc::new(String::new()),
    };
    let parts = list
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.as_str()),
            _ => Err(fail("join", "the list must hold strings")),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(parts.join(sep.as_str()).into())
}

/// `s.replace(old, new)`, `s.replace(old, new, n)` (n < 0: all).
fn replace(This(s): This<Arc<String>>, Arguments(args): Arguments) -> Result<Value> {
    let (old, new) = (
        string_arg(&args, 0, "replace")?,
        string_arg(&args, 1, "replace")?,
    );
    Ok(match int_arg(&args, 2, "replace")? {
        Some(n) if n >= 0 => s.replacen(old.as_str(), &new, usize::try_from(n).unwrap_or(0)),
        _ => s.replace(old.as_str(), &new),
    }
    .into())
}

/// `s.substring(start)`, `s.substring(start, end)`, in code points.
fn substring(This(s): This<Arc<String>>, Arguments(args): Arguments) -> Result<Value> {
    let chars: Vec<char> = s.chars().collect();
    let start = int_arg(&args, 0, "substring")?.unwrap_or(0);
    let end = int_arg(&args, 1, "substring")?.unwrap_or(chars.len() as i64);
    let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
    match range {
        Some((a, b)) if a <= b && b <= chars.len() => {
            Ok(chars[a..b].iter().collect::<String>().into())
        }
        _ => Err(fail(
            "substring",
            format!("index out of range: {start}..{end} of {}", chars.len()),
        )),
    }
}

/// `s.charAt(i)`: the code point at `i`, `''` at the end.
fn char_at(This(s): This<Arc<String>>, i: i64) -> Result<Value> {
    let count = s.chars().count();
    match usize::try_from(i) {
        Ok(i) if i < count => Ok(s
            .chars()
            .nth(i)
            .map(String::from)
            .unwrap_or_default()
            .into()),
        Ok(i) if i == count => Ok("".into()),
        _ => Err(fail("charAt", format!("index out of range: {i}"))),
    }
}

/// `indexOf`/`lastIndexOf` of a substring (code points, optional start offset) or of a
/// list element; -1 when absent.
fn index_of(
    _ftx: &FunctionContext,
    This(this): This<Value>,
    Arguments(args): Arguments,
    last: bool,
) -> Result<Value> {
    let name = if last { "lastIndexOf" } else { "indexOf" };
    let found = match &this {
        Value::String(s) => {
            let needle = string_arg(&args, 0, name)?;
            string_index(s, &needle, int_arg(&args, 1, name)?, last)
                .ok_or_else(|| fail(name, "offset out of range"))?
        }
        Value::List(items) => {
            let wanted = args
                .first()
                .ok_or_else(|| fail(name, "an element is needed"))?;
            let mut positions = items.iter().enumerate().filter(|(_, v)| *v == wanted);
            let at = if last {
                positions.next_back()
            } else {
                positions.next()
            };
            at.map_or(-1, |(i, _)| i as i64)
        }
        _ => return Err(fail(name, "applies to a string or a list")),
    };
    Ok(Value::Int(found))
}

/// The code-point index of `needle` in `s` searching from `offset` (backwards for `last`),
/// -1 when absent; `None` when the offset is out of range.
fn string_index(s: &str, needle: &str, offset: Option<i64>, last: bool) -> Option<i64> {
    let chars: Vec<char> = s.chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    let default = if last { chars.len() as i64 } else { 0 };
    let offset = usize::try_from(offset.unwrap_or(default)).ok()?;
    if offset > chars.len() {
        return None;
    }
    let fits = |i: &usize| chars.get(*i..*i + needle.len()) == Some(&needle[..]);
    let found = if last {
        (0..=offset.min(chars.len())).rev().find(fits)
    } else {
        (offset..=chars.len()).find(fits)
    };
    Some(found.map_or(-1, |i| i as i64))
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::UInt(a), Value::UInt(b)) => Some(a.cmp(b)),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Opaque(a), Value::Opaque(b)) => {
            let (a, b) = (quantity_of(a).ok()?, quantity_of(b).ok()?);
            a.value.partial_cmp(&b.value)
        }
        _ => None,
    }
}

/// `[1, 2, 3].isSorted()`.
fn is_sorted(This(list): This<Arc<Vec<Value>>>) -> Result<Value> {
    for pair in list.windows(2) {
        match compare(&pair[0], &pair[1]) {
            Some(Ordering::Greater) => return Ok(false.into()),
            Some(_) => {}
            None => return Err(fail("isSorted", "the elements are not comparable")),
        }
    }
    Ok(true.into())
}

/// `[1, 2].sum()`: ints, uints or doubles (an empty list sums to 0).
fn sum(This(list): This<Arc<Vec<Value>>>) -> Result<Value> {
    let mut total = Value::Int(0);
    for (i, v) in list.iter().enumerate() {
        total = match (&total, v) {
            (_, v) if i == 0 => v.clone(),
            (Value::Int(a), Value::Int(b)) => {
                Value::Int(a.checked_add(*b).ok_or_else(|| fail("sum", "overflow"))?)
            }
            (Value::UInt(a), Value::UInt(b)) => {
                Value::UInt(a.checked_add(*b).ok_or_else(|| fail("sum", "overflow"))?)
            }
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            _ => return Err(fail("sum", "the elements must be numbers of one type")),
        };
    }
    Ok(total)
}

/// Compiled patterns by source: a policy applies one pattern to many objects.
#[derive(Default)]
struct RegexCache(Mutex<HashMap<String, Arc<Regex>>>);

impl RegexCache {
    fn get(&self, pattern: &str) -> Result<Arc<Regex>> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(re) = cache.get(pattern) {
            return Ok(Arc::clone(re));
        }
        let re = Arc::new(Regex::new(pattern).map_err(|e| fail("find", e))?);
        cache.insert(pattern.to_string(), Arc::clone(&re));
        Ok(re)
    }
}

/// `s.findAll(re)`, `s.findAll(re, limit)` (negative: all).
fn find_all(cache: &RegexCache, s: &str, args: &[Value]) -> Result<Value> {
    let re = cache.get(&string_arg(args, 0, "findAll")?)?;
    let limit = int_arg(args, 1, "findAll")?
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let found: Vec<Value> = re
        .find_iter(s)
        .take(limit)
        .map(|m| Value::from(m.as_str()))
        .collect();
    Ok(found.into())
}

/// A Kubernetes resource quantity (`500m`, `1Gi`, `1e3`), compared by value.
#[derive(Debug, Clone)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

// Quantities are parsed from finite numbers only, so equality is total.
impl Eq for Quantity {}

impl Opaque for Quantity {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Quantity"
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a quantity as the API server does: a signed decimal number, then a binary
/// (`Ki`…`Ei`), decimal (`n`, `u`, `m`, ``, `k`, `M`…`E`) or exponent (`e3`) suffix.
pub fn parse_quantity(text: &str) -> Option<Quantity> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number == "." || number.ends_with(['+', '-']) {
        return None;
    }
    let base: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    let value = base * factor;
    value.is_finite().then(|| Quantity {
        text: text.to_string(),
        value,
    })
}

fn quantity_of(value: &Arc<dyn Opaque>) -> Result<&Quantity> {
    value
        .downcast_ref::<Quantity>()
        .ok_or_else(|| fail("quantity", "not a quantity"))
}

fn quantity_arg(value: &Value) -> Result<Quantity> {
    match value {
        Value::Opaque(q) => quantity_of(q).cloned(),
        Value::String(s) => {
            parse_quantity(s).ok_or_else(|| fail("quantity", format!("invalid quantity `{s}`")))
        }
        Value::Int(n) => Ok(Quantity {
            text: n.to_string(),
            value: *n as f64,
        }),
        _ => Err(fail("quantity", "expected a quantity")),
    }
}

fn register_quantity(ctx: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    ctx.add_function("quantity", |s: Arc<String>| -> Result<Value> {
        let q = parse_quantity(&s)
            .ok_or_else(|| fail("quantity", format!("invalid quantity `{s}`")))?;
        Ok(Value::Opaque(Arc::new(q)))
    })?;
    ctx.add_function("isQuantity", |s: Arc<String>| parse_quantity(&s).is_some())?;
    let cmp = |a: &Arc<dyn Opaque>, b: &Value| -> Result<Ordering> {
        let (a, b) = (quantity_of(a)?, quantity_arg(b)?);
        a.value
            .partial_cmp(&b.value)
            .ok_or_else(|| fail("compareTo", "not comparable"))
    };
    ctx.add_function(
        "compareTo",
        move |This(a): This<Arc<dyn Opaque>>, b: Value| cmp(&a, &b).map(|o| Value::Int(o as i64)),
    )?;
    ctx.add_function(
        "isLessThan",
        move |This(a): This<Arc<dyn Opaque>>, b: Value| {
            cmp(&a, &b).map(|o| Value::Bool(o == Ordering::Less))
        },
    )?;
    ctx.add_function(
        "isGreaterThan",
        move |This(a): This<Arc<dyn Opaque>>, b: Value| {
            cmp(&a, &b).map(|o| Value::Bool(o == Ordering::Greater))
        },
    )?;
    ctx.add_function(
        "asInteger",
        |This(a): This<Arc<dyn Opaque>>| -> Result<Value> {
            let q = quantity_of(&a)?;
            if q.value.fract() != 0.0 || q.value.abs() > i64::MAX as f64 {
                return Err(fail("asInteger", format!("{q} is not an integer")));
            }
            Ok(Value::Int(q.value as i64))
        },
    )?;
    ctx.add_function("asApproximateFloat", |This(a): This<Arc<dyn Opaque>>| {
        quantity_of(&a).map(|q| Value::Float(q.value))
    })?;
    ctx.add_function("isInteger", |This(a): This<Arc<dyn Opaque>>| {
        quantity_of(&a).map(|q| Value::Bool(q.value.fract() == 0.0))
    })?;
    ctx.add_function("sign", |This(a): This<Arc<dyn Opaque>>| {
        quantity_of(&a).map(|q| {
            Value::Int(if q.value > 0.0 {
                1
            } else if q.value < 0.0 {
                -1
            } else {
                0
            })
        })
    })
}

/// A URL as Kubernetes' `url()` reads it: an absolute URL or an absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// `host[:port]`.
    pub host: String,
    pub path: String,
    pub query: String,
}

impl Opaque for Url {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.URL"
    }
}

/// Parses `scheme://host[:port][/path][?query][#fragment]` or `/path[?query]`.
pub fn parse_url(text: &str) -> Option<Url> {
    if text.chars().any(char::is_whitespace) {
        return None;
    }
    let text = text.split_once('#').map_or(text, |(t, _)| t);
    let (rest, query) = text.split_once('?').unwrap_or((text, ""));
    let (scheme, host, path) = match rest.split_once("://") {
        Some((scheme, after)) => {
            let valid = scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if !valid {
                return None;
            }
            let (host, path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
            (scheme, host, path)
        }
        None if rest.starts_with('/') => ("", "", rest),
        None => return None,
    };
    Some(Url {
        scheme: scheme.to_string(),
        host: host.to_string(),
        path: path.to_string(),
        query: query.to_string(),
    })
}

impl Url {
    fn hostname(&self) -> &str {
        if let Some(v6) = self.host.strip_prefix('[') {
            return v6.split(']').next().unwrap_or_default();
        }
        self.host.rsplit_once(':').map_or(&self.host, |(h, _)| h)
    }

    fn port(&self) -> &str {
        let after = self
            .host
            .rsplit_once(']')
            .map_or(self.host.as_str(), |(_, p)| p);
        after.rsplit_once(':').map_or("", |(_, p)| p)
    }

    /// The query as a map of lists, as `getQuery()` returns it.
    fn query_map(&self) -> Value {
        let mut out: HashMap<Key, Vec<Value>> = HashMap::new();
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.entry(Key::from(k)).or_default().push(v.into());
        }
        let map: HashMap<Key, Value> = out.into_iter().map(|(k, v)| (k, v.into())).collect();
        Value::Map(Map { map: Arc::new(map) })
    }
}

fn url_of(value: &Arc<dyn Opaque>) -> Result<&Url> {
    value
        .downcast_ref::<Url>()
        .ok_or_else(|| fail("url", "not a URL"))
}

fn register_url(ctx: &mut Context<'_, '_>) -> std::result::Result<(), cel::DeclarationError> {
    ctx.add_function("url", |s: Arc<String>| -> Result<Value> {
        let url = parse_url(&s).ok_or_else(|| fail("url", format!("invalid URL `{s}`")))?;
        Ok(Value::Opaque(Arc::new(url)))
    })?;
    ctx.add_function("isURL", |s: Arc<String>| parse_url(&s).is_some())?;
    type Part = fn(&Url) -> Value;
    let parts: [(&str, Part); 6] = [
        ("getScheme", |u| u.scheme.as_str().into()),
        ("getHost", |u| u.host.as_str().into()),
        ("getHostname", |u| u.hostname().into()),
        ("getPort", |u| u.port().into()),
        ("getEscapedPath", |u| u.path.as_str().into()),
        ("getQuery", Url::query_map),
    ];
    for (name, part) in parts {
        ctx.add_function(name, move |This(u): This<Arc<dyn Opaque>>| {
            url_of(&u).map(part)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::Env;

    fn eval(expr: &str) -> Result<Value> {
        let env = Arc::new(Env::stdlib());
        let program = env.compile(expr).map_err(|e| fail("compile", e))?;
        let mut ctx = Context::with_env(env);
        register(&mut ctx).map_err(|e| fail("register", e))?;
        program.execute(&ctx)
    }

    fn check(expr: &str) {
        assert_eq!(eval(expr), Ok(Value::Bool(true)), "{expr}");
    }

    #[test]
    fn strings() {
        check("'TacoCat'.lowerAscii() == 'tacocat'");
        check("'TacoCat'.upperAscii() == 'TACOCAT'");
        check("'  a b  '.trim() == 'a b'");
        check("'a,b,c'.split(',') == ['a', 'b', 'c']");
        check("'a,b,c'.split(',', 2) == ['a', 'b,c']");
        check("'a,b'.split(',', 0) == []");
        check("['a', 'b'].join() == 'ab'");
        check("['a', 'b'].join(', ') == 'a, b'");
        check("'aaa'.replace('a', 'b', 2) == 'bba'");
        check("'hello'.substring(1, 3) == 'el'");
        check("'hello'.charAt(4) == 'o' && 'hello'.charAt(5) == ''");
        assert!(eval("'hello'.substring(4, 9)").is_err());
    }

    #[test]
    fn index_of_strings_and_lists() {
        check("'hello mellow'.indexOf('ello') == 1");
        check("'hello mellow'.indexOf('ello', 2) == 7");
        check("'hello mellow'.lastIndexOf('ello') == 7");
        check("'hello'.indexOf('x') == -1");
        check("'héllo'.indexOf('l') == 2");
        check("[1, 2, 3, 2].indexOf(2) == 1");
        check("[1, 2, 3, 2].lastIndexOf(2) == 3");
        check("['a'].indexOf('b') == -1");
    }

    #[test]
    fn lists() {
        check("[1, 2, 3].isSorted()");
        check("!['b', 'a'].isSorted()");
        check("[].isSorted()");
        check("[1, 2, 3].sum() == 6");
        check("[1.5, 2.5].sum() == 4.0");
        assert!(eval("[1, 'a'].isSorted()").is_err());
    }

    #[test]
    fn regex() {
        check("'abc 123'.find('[0-9]+') == '123'");
        check("'abc'.find('[0-9]+') == ''");
        check("'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']");
        check("'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']");
        check("'registry.io/app:1.2'.matches('^[^:]+:[0-9.]+$')");
        assert!(eval("'a'.find('(')").is_err());
    }

    #[test]
    fn quantities() {
        check("quantity('1Gi').compareTo(quantity('1024Mi')) == 0");
        check("quantity('500m').isLessThan(quantity('1'))");
        check("quantity('2k').isGreaterThan(quantity('1999'))");
        check("quantity('1e3').asInteger() == 1000");
        check("quantity('1.5').asApproximateFloat() == 1.5");
        check("!quantity('1.5').isInteger() && quantity('-2').sign() == -1");
        check("isQuantity('128Mi') && !isQuantity('128MB') && !isQuantity('')");
        check("quantity('1Gi') == quantity('1024Mi')");
        check("[quantity('1'), quantity('2Ki')].isSorted()");
        assert!(eval("quantity('1.5').asInteger()").is_err());
        assert!(eval("quantity('lots')").is_err());
    }

    #[test]
    fn urls() {
        check("url('https://example.com:8443/a/b?x=1&x=2&y').getScheme() == 'https'");
        check("url('https://example.com:8443/a').getHost() == 'example.com:8443'");
        check("url('https://example.com:8443/a').getHostname() == 'example.com'");
        check("url('https://example.com:8443/a').getPort() == '8443'");
        check("url('https://[::1]:80/').getHostname() == '::1'");
        check("url('https://example.com/a/b').getEscapedPath() == '/a/b'");
        check("url('https://example.com/?x=1&x=2&y').getQuery() == {'x': ['1', '2'], 'y': ['']}");
        check("url('/healthz').getHost() == ''");
        check("isURL('https://a.io') && !isURL('not a url') && !isURL('a.io')");
        assert!(eval("url('nope')").is_err());
    }
}
