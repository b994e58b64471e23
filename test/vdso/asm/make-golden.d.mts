export function readForms(file: string): string[];
export function readPrograms(): { name: string; source: string; origin: string; bits: 64 | 32 }[];
