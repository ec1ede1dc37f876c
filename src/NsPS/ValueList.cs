using System;
using System.Collections;
using System.Collections.Generic;

namespace NsPS
{
    /// <summary>
    /// A read-only list of values (pids, paths) that prints as "a, b, c", so that it reads well where
    /// PowerShell turns values into text (Export-Csv, string expansion).
    /// </summary>
    public sealed class ValueList<T> : IReadOnlyList<T>
    {
        private readonly T[] _items;

        /// <summary>A list of these values.</summary>
        public ValueList(T[] items) => _items = items ?? Array.Empty<T>();

        /// <summary>The empty list.</summary>
        public static ValueList<T> Empty { get; } = new(Array.Empty<T>());

        /// <summary>The value at an index.</summary>
        public T this[int index] => _items[index];

        /// <summary>How many values the list has.</summary>
        public int Count => _items.Length;

        /// <summary>The same as <see cref="Count"/>, as for an array.</summary>
        public int Length => _items.Length;

        /// <inheritdoc/>
        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

        /// <inheritdoc/>
        public override string ToString() => string.Join(", ", _items);

        /// <inheritdoc/>
        public static implicit operator ValueList<T>(T[] items) => new(items);
    }
}
